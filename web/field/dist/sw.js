// The field app's service worker: keeps the app shell (this build's files) so the app opens with no network, and
// answers every page of the app with its one page. Data never passes through here: documents and photos live in
// IndexedDB, and API calls go to the network as they are.
const VERSION = '1e439e9a0b7be208'
const SHELL = ["/field/","/field/assets/CoopPage-CdjaEMzg.js","/field/assets/FieldInput-BGqEke_m.js","/field/assets/FieldInput-DgBANb0V.css","/field/assets/NewCoop-CW7MqBov.css","/field/assets/NewCoop-YE6g_1ZD.js","/field/assets/Outbox-CU06eW0Q.js","/field/assets/ProfileEdit-CweewM1v.js","/field/assets/ProfileEdit-DYs1Hyhl.css","/field/assets/Settings-DLwRQPSU.js","/field/assets/Tasks-DouT9I5z.js","/field/assets/VisitEdit-CjCax9Hp.js","/field/assets/VisitEdit-Wz_rnZzK.css","/field/assets/automerge-LjMxZKTS.wasm","/field/assets/index-B16hGXV4.js","/field/assets/index-BPxviVFr.js","/field/assets/index-DNeRTPfh.css","/field/assets/index-LiU5415U.css","/field/assets/visitForm-DDimJI2k.js","/field/icon.svg","/field/manifest.webmanifest"]
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
