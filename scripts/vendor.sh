#!/usr/bin/env bash
# Refresh openhall/static/vendor/ from the npm registry at the versions pinned in package.json.
# The copied files are committed, so neither `make run` nor production needs npm or a CDN.
set -euo pipefail
cd "$(dirname "$0")/.."
npm install --no-audit --no-fund --ignore-scripts >/dev/null
dest=openhall/static/vendor
rm -rf "$dest" && mkdir -p "$dest/htmx" "$dest/weui" "$dest/weixin" "$dest/echarts" "$dest/quill"
cp node_modules/htmx.org/dist/htmx.min.js "$dest/htmx/"
cp node_modules/htmx.org/LICENSE "$dest/htmx/LICENSE"
cp node_modules/weui/dist/style/weui.min.css "$dest/weui/"
cp node_modules/weui/LICENSE* "$dest/weui/" 2>/dev/null || true
# WeChat's JS-SDK ships as CommonJS (module.exports only); wrapped so a plain <script> sets wx.
{ echo '(function (module) {'; cat node_modules/weixin-js-sdk/index.js
  echo 'if (module.exports) window.wx = window.jWeixin = module.exports;'; echo '})({ exports: {} });'; } \
  > "$dest/weixin/jweixin.js"
cp node_modules/weixin-js-sdk/LICENSE "$dest/weixin/LICENSE"
cp node_modules/echarts/dist/echarts.min.js "$dest/echarts/"
cp node_modules/echarts/LICENSE "$dest/echarts/LICENSE"
# The articles' rich-text editor (BSD-3-Clause). Quill sets styles only through the CSSOM, never
# a style attribute or <style> element, so it runs under the CSP's plain style-src 'self'.
cp node_modules/quill/dist/quill.js node_modules/quill/dist/quill.snow.css "$dest/quill/"
# Their source maps are not shipped: a reference to a missing map fails collectstatic (DEBUG=false).
sed -i '/sourceMappingURL=/d' "$dest/quill/quill.js" "$dest/quill/quill.snow.css"
cp node_modules/quill/LICENSE "$dest/quill/LICENSE"
for pkg in htmx.org weui weixin-js-sdk echarts quill; do
  printf '%s %s\n' "$pkg" "$(node -p "require('./node_modules/$pkg/package.json').version")"
done > "$dest/VERSIONS"
cat "$dest/VERSIONS"
# axe-core is for the browser tests only (e2e/test_a11y.py injects it into the page): it lives
# outside openhall/static/, so it is never collected or served to residents.
axe=e2e/vendor/axe-core
rm -rf "$axe" && mkdir -p "$axe"
cp node_modules/axe-core/axe.min.js node_modules/axe-core/LICENSE "$axe/"
printf 'axe-core %s\n' "$(node -p "require('./node_modules/axe-core/package.json').version")" > "$axe/VERSION"
