# Stand-in for the official postgres:15.14-bookworm (Docker Hub is unreachable here), step by
# step after its Dockerfile (docker-library/postgres 15/bookworm, kept with its entrypoint
# in shared/third_party/postgres-image-15-bookworm/). Differences, all because only the
# Debian mirror is reachable: PostgreSQL 15 comes from Debian bookworm's postgresql-15
# (not apt.postgresql.org, so no PGDG key and no PG_VERSION pin) and gosu from Debian's
# gosu package (not the GitHub release). Same user, paths, environment and entrypoint.
# Built by scripts/cluster/images.sh base, which copies docker-entrypoint.sh and
# docker-ensure-initdb.sh from the third-party folder into the context.
FROM debian:bookworm-slim

# explicitly set user/group IDs (as upstream, before any package could take 999)
RUN set -eux; \
	groupadd -r postgres --gid=999; \
	useradd -r -g postgres --uid=999 --home-dir=/var/lib/postgresql --shell=/bin/bash postgres; \
	install --verbose --directory --owner postgres --group postgres --mode 1777 /var/lib/postgresql

# less: psql's pager (upstream also installs gnupg, only to check downloads we do not make)
RUN set -eux; \
	apt-get update; \
	apt-get install -y --no-install-recommends less; \
	rm -rf /var/lib/apt/lists/*

# gosu for the entrypoint's step-down from root; upstream's path is /usr/local/bin/gosu
RUN set -eux; \
	apt-get update; \
	apt-get install -y --no-install-recommends gosu; \
	rm -rf /var/lib/apt/lists/*; \
	ln -s /usr/sbin/gosu /usr/local/bin/gosu; \
	gosu --version; \
	gosu nobody true

# make the "en_US.UTF-8" locale so postgres will be utf-8 enabled by default
RUN set -eux; \
	if [ -f /etc/dpkg/dpkg.cfg.d/docker ]; then \
		sed -ri '/\/usr\/share\/locale/d' /etc/dpkg/dpkg.cfg.d/docker; \
	fi; \
	apt-get update; apt-get install -y --no-install-recommends locales; rm -rf /var/lib/apt/lists/*; \
	echo 'en_US.UTF-8 UTF-8' >> /etc/locale.gen; \
	locale-gen; \
	locale -a | grep 'en_US.utf8'
ENV LANG=en_US.utf8

RUN set -eux; \
	apt-get update; \
	apt-get install -y --no-install-recommends libnss-wrapper xz-utils zstd; \
	rm -rf /var/lib/apt/lists/*

RUN mkdir /docker-entrypoint-initdb.d

ENV PG_MAJOR=15
ENV PATH=$PATH:/usr/lib/postgresql/$PG_MAJOR/bin

# postgresql-common first, so that no "main" cluster is created when postgresql-15 installs
RUN set -ex; \
	export PYTHONDONTWRITEBYTECODE=1; \
	apt-get update; \
	apt-get install -y --no-install-recommends postgresql-common; \
	sed -ri 's/#(create_main_cluster) .*$/\1 = false/' /etc/postgresql-common/createcluster.conf; \
	grep -qx 'create_main_cluster = false' /etc/postgresql-common/createcluster.conf; \
	apt-get install -y --no-install-recommends "postgresql-$PG_MAJOR"; \
	rm -rf /var/lib/apt/lists/*; \
	find /usr -name '*.pyc' -type f -exec bash -c 'for pyc; do dpkg -S "$pyc" &> /dev/null || rm -vf "$pyc"; done' -- '{}' +; \
	postgres --version

# make the sample config easier to munge (and "correct by default")
RUN set -eux; \
	dpkg-divert --add --rename --divert "/usr/share/postgresql/postgresql.conf.sample.dpkg" "/usr/share/postgresql/$PG_MAJOR/postgresql.conf.sample"; \
	cp -v /usr/share/postgresql/postgresql.conf.sample.dpkg /usr/share/postgresql/postgresql.conf.sample; \
	ln -sv ../postgresql.conf.sample "/usr/share/postgresql/$PG_MAJOR/"; \
	sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" /usr/share/postgresql/postgresql.conf.sample; \
	grep -F "listen_addresses = '*'" /usr/share/postgresql/postgresql.conf.sample

RUN install --verbose --directory --owner postgres --group postgres --mode 3777 /var/run/postgresql

ENV PGDATA=/var/lib/postgresql/data
# this 1777 will be replaced by 0700 at runtime (allows semi-arbitrary "--user" values)
RUN install --verbose --directory --owner postgres --group postgres --mode 1777 "$PGDATA"
VOLUME /var/lib/postgresql/data

COPY docker-entrypoint.sh docker-ensure-initdb.sh /usr/local/bin/
RUN ln -sT docker-ensure-initdb.sh /usr/local/bin/docker-enforce-initdb.sh
ENTRYPOINT ["docker-entrypoint.sh"]

# SIGINT: PostgreSQL's "fast shutdown" (see upstream's note)
STOPSIGNAL SIGINT

EXPOSE 5432
CMD ["postgres"]
