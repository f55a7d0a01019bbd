// The field app's service worker: keeps the app shell (this build's files) so the app opens with no network, and
// answers every page of the app with its one page. Data never passes through here: documents and photos live in
// IndexedDB, and API calls go to the network as they are.
const VERSION = 'ca91011190f8cb57'
const SHELL = ["/field/","/field/assets/CoopPage-CZs34TAH.js","/field/assets/FieldInput-DfyG9Ha_.js","/field/assets/FieldInput-DgBANb0V.css","/field/assets/NewCoop-BGE2uO54.css","/field/assets/NewCoop-BsTtrbRl.js","/field/assets/Outbox-DVEwq2Hd.js","/field/assets/ProfileEdit-BXsdpiUj.js","/field/assets/ProfileEdit-DYs1Hyhl.css","/field/assets/Settings-COo2K4f0.js","/field/assets/Tasks-c57oDMFJ.js","/field/assets/VisitEdit-SbpDlJgY.js","/field/assets/VisitEdit-Wz_rnZzK.css","/field/assets/automerge-LjMxZKTS.wasm","/field/assets/index-B0FnZQGK.js","/field/assets/index-BmpQCKP2.css","/field/assets/index-D7V8ApnN.js","/field/assets/index-LiU5415U.css","/field/assets/visitForm-DDimJI2k.js","/field/icon.svg","/field/manifest.webmanifest"]
const CACHE = `hezuo-field-${VERSION}`

self.addEventListener('install', event => {
  event.waitUntil(caches.open(CACHE).then(cache => cache.addAll(SHELL)))
})

self.addEventListener('activate', event => {
  event.waitUntil(
    caches
      .keys()
      .then(keys => Promise.all(keys.filter(k => k.startsWith('hezuo-field-') && k !== CACHE).map(k => caches.delete(k))))
      .then(() => self.clients.claim()),
  )
})

self.addEventListener('message', event => {
  if (event.data === 'activate') self.skipWaiting()
})

self.addEventListener('fetch', event => {
  const url = new URL(event.request.url)
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || !url.pathname.startsWith('/field/')) return
  if (event.request.mode === 'navigate') {
    event.respondWith(caches.match('/field/').then(page => page ?? fetch(event.request)))
    return
  }
  event.respondWith(caches.match(url.pathname).then(hit => hit ?? fetch(event.request)))
})
