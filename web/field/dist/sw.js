// The field app's service worker: keeps the app shell (this build's files) so the app opens with no network, and
// answers every page of the app with its one page. Data never passes through here: documents and photos live in
// IndexedDB, and API calls go to the network as they are.
const VERSION = '28b5df031f829d6c'
const SHELL = ["/field/","/field/assets/CoopPage-BnUpR-c2.js","/field/assets/FieldInput-BhByz81e.js","/field/assets/FieldInput-DgBANb0V.css","/field/assets/NewCoop-CJoGSUOL.js","/field/assets/NewCoop-CW7MqBov.css","/field/assets/Outbox-ChdeNc7Z.js","/field/assets/ProfileEdit-BPPtZ6HW.js","/field/assets/ProfileEdit-DYs1Hyhl.css","/field/assets/Settings-ZhhQoyic.js","/field/assets/Tasks-Bn1rtFAD.js","/field/assets/VisitEdit-CurBYlL2.js","/field/assets/VisitEdit-Wz_rnZzK.css","/field/assets/automerge-LjMxZKTS.wasm","/field/assets/index-CzOrS41v.css","/field/assets/index-LiU5415U.css","/field/assets/index-m95iasvc.js","/field/assets/index-rVzcHJ_I.js","/field/assets/visitForm-DDimJI2k.js","/field/icon.svg","/field/manifest.webmanifest"]
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
