// Minifies the JavaScript that a page of dist/ loads (wasm-bindgen's glue and the boot script)
// and brings the page's integrity attributes up to date: node minify-glue.mjs <folder>.
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
  const integrity =
    "sha384-" + createHash("sha384").update(result.code + "\n").digest("base64");
  // The tags naming this file: their integrity follows the new content.
  html = html.replace(/<(link|script)\b[^>]*>/g, (tag) =>
    tag.includes(`/${name}"`)
      ? tag.replace(/integrity="[^"]*"/, `integrity="${integrity}"`)
      : tag,
  );
  console.log(`${name}: ${source.length} -> ${result.code.length + 1} bytes`);
}
writeFileSync(page, html);
