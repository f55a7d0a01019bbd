import { createApp } from 'vue'
import { initializeWasm } from '@automerge/automerge/slim'
import wasmUrl from '@automerge/automerge/automerge.wasm?url'
import 'vant/es/toast/style'
import 'vant/es/dialog/style'
import './style.css'
import App from './App.vue'
import { router } from './router'
import { start } from './state'

async function main() {
  await initializeWasm(wasmUrl)
  if ('serviceWorker' in navigator) {
    // The app works without it (online); with it, it also opens offline.
    navigator.serviceWorker.register('/field/sw.js', { scope: '/field/' }).catch(() => undefined)
  }
  await start()
  createApp(App).use(router).mount('#app')
}

void main()
