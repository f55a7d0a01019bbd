import { createApp, markRaw } from 'vue'
import { initializeWasm } from '@automerge/automerge/slim'
import wasmUrl from '@automerge/automerge/automerge.wasm?url'
import 'vant/es/toast/style'
import 'vant/es/dialog/style'
import './style.css'
import App from './App.vue'
import { router } from './router'
import { app, start } from './state'

/** A new build installed beside the running one waits until the counsellor chooses to switch (drafts and queued
 * photos live in IndexedDB, so switching loses nothing). */
function watchForUpdates(registration: ServiceWorkerRegistration) {
  const waiting = () => {
    if (registration.waiting && navigator.serviceWorker.controller) app.updateReady = markRaw(registration.waiting)
  }
  waiting()
  registration.addEventListener('updatefound', () => registration.installing?.addEventListener('statechange', waiting))
  let reloading = false
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (!reloading && app.updateReady) {
      reloading = true
      location.reload()
    }
  })
}

async function main() {
  await initializeWasm(wasmUrl)
  if ('serviceWorker' in navigator) {
    // The app works without it (online); with it, it also opens offline.
    navigator.serviceWorker
      .register('/field/sw.js', { scope: '/field/' })
      .then(watchForUpdates)
      .catch(() => undefined)
  }
  await start()
  createApp(App).use(router).mount('#app')
}

void main()
