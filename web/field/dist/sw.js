// The field app's service worker: keeps the app shell (this build's files) so the app opens with no network, and
// answers every page of the app with its one page. Data never passes through here: documents and photos live in
// IndexedDB, and API calls go to the network as they are.
const VERSION = '2d97a785539fdeac'
const SHELL = ["/field/","/field/assets/CoopPage-BGI2h-RA.js","/field/assets/FieldInput-DgBANb0V.css","/field/assets/FieldInput-DgBtHwxg.js","/field/assets/NewCoop-BGE2uO54.css","/field/assets/NewCoop-DESo0EX4.js","/field/assets/Outbox-RZd_Ihro.js","/field/assets/ProfileEdit-CtxQ-XG1.js","/field/assets/ProfileEdit-DYs1Hyhl.css","/field/assets/Settings-CaHxTAsl.js","/field/assets/Tasks-CeIrnARR.js","/field/assets/VisitEdit-N9_TyaFp.js","/field/assets/VisitEdit-Wz_rnZzK.css","/field/assets/automerge-LjMxZKTS.wasm","/field/assets/index-BmpQCKP2.css","/field/assets/index-Di2KSkC2.js","/field/assets/index-LiU5415U.css","/field/assets/index-Tk3NPU4C.js","/field/assets/visitForm-DDimJI2k.js","/field/icon.svg","/field/manifest.webmanifest"]
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
