// The field app's service worker: keeps the app shell (this build's files) so the app opens with no network, and
// answers every page of the app with its one page. Data never passes through here: documents and photos live in
// IndexedDB, and API calls go to the network as they are.
const VERSION = '5b480428905d43ea'
const SHELL = ["/field/","/field/assets/CoopPage-DTQTL1Fq.js","/field/assets/FieldInput-CJuNLM4o.js","/field/assets/FieldInput-DgBANb0V.css","/field/assets/NewCoop-BGE2uO54.css","/field/assets/NewCoop-CyiG1p1V.js","/field/assets/Outbox-C2XEoehV.js","/field/assets/ProfileEdit-DYs1Hyhl.css","/field/assets/ProfileEdit-tI7hnEgF.js","/field/assets/Settings-DikaQt9G.js","/field/assets/Tasks-P4-QAlv5.js","/field/assets/VisitEdit-CGFyGO8k.js","/field/assets/VisitEdit-Wz_rnZzK.css","/field/assets/automerge-LjMxZKTS.wasm","/field/assets/index-BmpQCKP2.css","/field/assets/index-Df_OcDQC.js","/field/assets/index-JWk7DriO.js","/field/assets/index-LiU5415U.css","/field/assets/visitForm-DDimJI2k.js","/field/icon.svg","/field/manifest.webmanifest"]
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
