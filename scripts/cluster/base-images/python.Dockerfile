# Stand-in for the official python:3.11.13-slim-bookworm (Docker Hub is unreachable here):
# the debian:bookworm-slim stand-in plus Debian bookworm's Python 3.11.
# Like the official image, `python`, `python3` and `pip` are in /usr/local/bin and
# `pip install` as root just works: /usr/local is a virtual environment over Debian's
# interpreter, so packages land in /usr/local/lib/python3.11/site-packages, which `python`
# sees, and Debian's PEP 668 "externally managed" guard (meant for /usr) does not apply.
FROM debian:bookworm-slim
ENV LANG=C.UTF-8
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates python3 python3-venv netbase tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && python3 -m venv /usr/local \
 && ln -sf python3 /usr/local/bin/python \
 && ln -sf pip3 /usr/local/bin/pip \
 && python --version && pip --version
CMD ["python3"]
