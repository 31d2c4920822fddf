// Builds the explorer into ../assets/explorer/, which package web embeds:
//   explorer.js   src/main.js and Cytoscape.js, bundled and minified (IIFE)
//   explorer.css  src/explorer.css, minified
//   index.html    src/index.html, as is
//   licenses/cytoscape.LICENSE.txt
// Run with `npm ci && npm run build` in web/explorer; the output is
// committed, so `go build` needs no npm. The build is deterministic: run
// it and `git diff web/assets/explorer` shows nothing if the committed
// files are current.
import * as esbuild from 'esbuild';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const out = fileURLToPath(new URL('../assets/explorer/', import.meta.url));
const cytoscape = JSON.parse(await readFile(here + 'node_modules/cytoscape/package.json', 'utf8'));

await mkdir(out + 'licenses', { recursive: true });
const common = { absWorkingDir: here, bundle: true, minify: true, charset: 'utf8', logLevel: 'info', legalComments: 'eof' };
await esbuild.build({
  ...common,
  entryPoints: ['src/main.js'],
  outfile: out + 'explorer.js',
  format: 'iife',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  banner: { js: `/* Dossier explorer (web/explorer, built with esbuild ${esbuild.version}); includes Cytoscape.js ${cytoscape.version}, MIT license: /explorer/licenses/cytoscape.LICENSE.txt */` },
});
await esbuild.build({
  ...common,
  entryPoints: ['src/explorer.css'],
  outfile: out + 'explorer.css',
  target: ['chrome100', 'firefox100', 'safari15'],
});
await copyFile(here + 'src/index.html', out + 'index.html');
await copyFile(here + 'node_modules/cytoscape/LICENSE', out + 'licenses/cytoscape.LICENSE.txt');
