#!/bin/sh
# Rebuilds plotly-<version>-teamdash.min.js: plotly.js with only the trace types the panels and
# the exports use (1.7 MB instead of the 4.8 MB full bundle). Needs Node.js and npm; run it after
# changing the plotly.js version (keep it equal to the one the plotly Python package ships) or the
# trace list.
#
#     sh assets/vendor/build-plotly.sh 4.1.1
set -eu
version=${1:?usage: build-plotly.sh PLOTLY_JS_VERSION}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent "plotly.js@$version" esbuild \
    esbuild-plugin-inline-css esbuild-plugin-environment stream-browserify
cat > entry.js <<'JS'
var Plotly = require('plotly.js/lib/core');
Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/pie'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/histogram'),
    require('plotly.js/lib/funnel'),
    require('plotly.js/lib/treemap'),
    require('plotly.js/lib/choropleth'),
    require('plotly.js/lib/indicator'),
    require('plotly.js/lib/table'),
]);
module.exports = Plotly;
JS
# The options of plotly.js's own esbuild-config.js, with our entry point.
cat > build.js <<JS
require('esbuild').build({
    entryPoints: ['./entry.js'],
    outfile: '$here/plotly-$version-teamdash.min.js',
    format: 'iife', globalName: 'Plotly', bundle: true, minify: true, legalComments: 'none',
    plugins: [require('esbuild-plugin-inline-css')(),
              require('esbuild-plugin-environment').environmentPlugin({NODE_DEBUG: false})],
    alias: {stream: 'stream-browserify'},
    define: {global: 'window', 'define.amd': 'false'},
    target: 'es2016',
}).catch(() => process.exit(1));
JS
node build.js
echo "built $here/plotly-$version-teamdash.min.js"
