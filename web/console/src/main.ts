import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router'
import { i18n, initialLocale } from './i18n'
import { setApiLanguage, whenSessionEnds } from './api/client'
import { sessionEnded } from './session'
import 'element-plus/theme-chalk/base.css'
import './style.css'

setApiLanguage(initialLocale)
whenSessionEnds((problem) => {
  sessionEnded(problem)
  if (router.currentRoute.value.name !== 'sign-in') {
    router.push({ name: 'sign-in', query: { next: router.currentRoute.value.fullPath } })
  }
})

createApp(App).use(i18n).use(router).mount('#app')
