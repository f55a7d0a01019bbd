import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { VantResolver } from '@vant/auto-import-resolver'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

const version: string = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')).version ?? '1.0.0'

// The service worker is written after the bundle, with the list of every file it must keep for offline use and a
// version that is the hash of that list, so a new build replaces the cache and an unchanged one keeps it.
function serviceWorker(): Plugin {
  return {
    name: 'hezuo-service-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      const files = ['', 'manifest.webmanifest', 'icon.svg', ...Object.keys(bundle).filter(f => f !== 'index.html')].map(f => `/field/${f}`).sort()
      const hash = createHash('sha256')
      for (const name of Object.keys(bundle).sort()) {
        const item = bundle[name]
        hash.update(name)
        hash.update(item.type === 'chunk' ? item.code : typeof item.source === 'string' ? item.source : Buffer.from(item.source))
      }
      const template = readFileSync(new URL('./src/sw.js', import.meta.url), 'utf8')
      this.emitFile({
        type: 'asset',
        fileName: 'sw.js',
        source: template.replace('__SHELL__', JSON.stringify(files)).replace('__VERSION__', hash.digest('hex').slice(0, 16)),
      })
    },
  }
}

// Vant's icon font names a CDN copy after the embedded one; phones must never reach out to a third party.
function noCdnFont(): Plugin {
  return {
    name: 'hezuo-no-cdn-font',
    enforce: 'pre',
    transform(code, id) {
      if (!/vant.*\.css$/.test(id)) return null
      return code.replace(/,\s*url\(["']?(https?:)?\/\/at\.alicdn\.com[^)]*\)\s*format\(["']?woff["']?\)/g, '')
    },
  }
}

export default defineConfig({
  base: '/field/',
  plugins: [noCdnFont(), vue(), Components({ resolvers: [VantResolver()], dts: 'src/components.d.ts' }), serviceWorker()],
  define: {
    __VUE_PROD_DEVTOOLS__: false,
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: false,
    __APP_VERSION__: JSON.stringify(version),
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1100,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
})
