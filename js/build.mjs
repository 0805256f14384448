// Builds labpanels/static from js/: every view module js/<name>.js is bundled with what
// it imports (js/lib/...) into one ES module labpanels/static/<name>.js, which is what
// anywidget loads (it cannot resolve an import beside the file); the .css files are
// copied as they are. labpanels/static is a build output: emptied and written anew.
// Run by `make js`, `npm run build`, and hatch_build.py when a wheel is built.
import { copyFile, mkdir, readdir, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, "..", "labpanels", "static");
const names = (await readdir(here)).sort();
const views = names.filter((n) => n.endsWith(".js"));
const styles = names.filter((n) => n.endsWith(".css"));

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  entryPoints: views.map((n) => join(here, n)),
  outdir: out,
  bundle: true,      // js/lib imports are copied into each view: no import at run time
  format: "esm",     // anywidget loads an ES module with a default export
  target: "es2022",  // browsers that run JupyterLab 4
  logLevel: "warning",
});
for (const n of styles) await copyFile(join(here, n), join(out, n));
console.log(`labpanels/static: ${views.length} modules, ${styles.length} stylesheets`);
