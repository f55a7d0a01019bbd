import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router'
import { i18n, initialLocale } from './i18n'
import { setApiLanguage, whenSessionEnds } from './api/client'
import { sessionEnded } from './session'
import 'element-plus/theme-chalk/base.css'
// ElMessage and ElMessageBox are called from scripts, where the per-component import does not bring their styles.
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import './style.css'

setApiLanguage(initialLocale)
whenSessionEnds((problem) => {
  sessionEnded(problem)
  if (router.currentRoute.value.name !== 'sign-in') {
    router.push({ name: 'sign-in', query: { next: router.currentRoute.value.fullPath } })
  }
})

createApp(App).use(i18n).use(router).mount('#app')
