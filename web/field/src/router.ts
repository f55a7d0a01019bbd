import { createRouter, createWebHistory } from 'vue-router'
import CoopList from './views/CoopList.vue'

export const router = createRouter({
  history: createWebHistory('/field/'),
  routes: [
    { path: '/', component: CoopList },
    { path: '/new-cooperative', component: () => import('./views/NewCoop.vue') },
    { path: '/coop/:id', component: () => import('./views/CoopPage.vue'), props: true },
    { path: '/coop/:id/profile', component: () => import('./views/ProfileEdit.vue'), props: true },
    { path: '/coop/:id/visit/:visitId', component: () => import('./views/VisitEdit.vue'), props: true },
    { path: '/tasks', component: () => import('./views/Tasks.vue') },
    { path: '/outbox', component: () => import('./views/Outbox.vue') },
    { path: '/me', component: () => import('./views/Settings.vue') },
    { path: '/:rest(.*)', redirect: '/' },
  ],
})
