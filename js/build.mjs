// Builds labpanels/static from js/: every view module js/<name>.js is bundled with what
// it imports (js/lib/...) into one ES module labpanels/static/<name>.js, which is what
// anywidget loads (it cannot resolve an import beside the file); each js/<name>.css is
// bundled the same way with what it @imports (js/lib/theme.css: the theme tokens). labpanels/static is a build output: emptied and written anew.
// Run by `make js`, `npm run build`, and hatch_build.py when a wheel is built.
import { mkdir, readdir, rm } from "node:fs/promises";
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
  entryPoints: [...views, ...styles].map((n) => join(here, n)),
  outdir: out,
  bundle: true,      // js/lib imports are copied into each view: no import at run time
  format: "esm",     // anywidget loads an ES module with a default export
  target: "es2022",  // browsers that run JupyterLab 4
  logLevel: "warning",
});
console.log(`labpanels/static: ${views.length} modules, ${styles.length} stylesheets`);
