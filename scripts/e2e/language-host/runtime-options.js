// Prints the Node.js runtime options of a Pulumi.yaml as language-host flags, one per line:
//   runtime:
//     name: nodejs
//     options: { typescript: false, nodeargs: "--import tsx", tsconfig: x.json }
// Only the block form above and `runtime: nodejs` occur in practice; this reads those two
// shapes of plain scalars (no dependency on a YAML package, which a program dir may lack).
"use strict";
const fs = require("node:fs");

const FLAGS = { typescript: "typescript", nodeargs: "nodeargs", tsconfig: "tsconfig" };
const unquote = (v) => v.replace(/\s+#.*$/, "").trim().replace(/^(["'])(.*)\1$/, "$2");

function runtimeOptions(text) {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => /^runtime:\s*(#.*)?$/.test(l));
  if (start < 0) return {};
  const opts = {};
  let inOptions = false;
  let optionsIndent = -1;
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break; // next top-level key
    if (/^\s*(#.*)?$/.test(line)) continue;
    const indent = line.length - line.trimStart().length;
    const m = /^\s*([A-Za-z0-9_-]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === "options" && m[2].trim() === "") {
      inOptions = true;
      optionsIndent = indent;
      continue;
    }
    if (inOptions && indent > optionsIndent) opts[m[1]] = unquote(m[2]);
    else inOptions = false;
  }
  return opts;
}

const opts = runtimeOptions(fs.readFileSync(process.argv[2], "utf8"));
for (const [key, flag] of Object.entries(FLAGS)) {
  if (opts[key] !== undefined) process.stdout.write(`-${flag}=${opts[key]}\n`);
}
