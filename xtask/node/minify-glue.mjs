// Minifies the JavaScript that a page of dist/ loads (wasm-bindgen's glue, the boot script and
// the script that fetches the console's page modules) and brings the page's integrity
// attributes up to date with its files: node minify-glue.mjs <folder>.
//
// wasm-bindgen writes readable glue (about 45 KB, half of it names and comments); trunk hashes
// and preloads it as written. Minifying keeps every export and every import name the wasm
// calls (object properties are never renamed), so the module links as before.

import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { minify } from "terser";

const folder = process.argv[2];
if (!folder) {
  console.error("usage: node minify-glue.mjs <dist folder>");
  process.exit(2);
}
const page = join(folder, "index.html");
let html = readFileSync(page, "utf8");
const scripts = new Set(
  [...html.matchAll(/(?:href|src)="([^"]+\.js)"/g)].map((m) => basename(m[1])),
);
// The modules those scripts import from beside them (the console's glue imports the script that
// fetches its page modules).
for (const name of [...scripts]) {
  const source = readFileSync(join(folder, name), "utf8");
  for (const m of source.matchAll(/from\s*"\.\/([^"/]+\.js)"/g)) scripts.add(m[1]);
}
for (const name of scripts) {
  const file = join(folder, name);
  const source = readFileSync(file, "utf8");
  const result = await minify(source, {
    module: true,
    ecma: 2020,
    compress: { passes: 2 },
    mangle: true,
    format: { comments: false },
  });
  writeFileSync(file, result.code + "\n");
  console.log(`${name}: ${source.length} -> ${result.code.length + 1} bytes`);
}
// Every tag's integrity follows its file's content as it is now (the scripts just minified,
// the console's module rewritten after trunk hashed it).
html = html.replace(/<(link|script)\b[^>]*>/g, (tag) => {
  const named = tag.match(/(?:href|src)="([^"]+)"/);
  if (!named || !tag.includes("integrity=")) return tag;
  const content = readFileSync(join(folder, basename(named[1])));
  const integrity = "sha384-" + createHash("sha384").update(content).digest("base64");
  return tag.replace(/integrity="[^"]*"/, `integrity="${integrity}"`);
});
writeFileSync(page, html);
