import { createRouter, createWebHistory } from 'vue-router'
import { loadSession, session } from './session'
import ConsoleLayout from './components/layout/ConsoleLayout.vue'
import SignIn from './components/auth/SignIn.vue'

export const router = createRouter({
  history: createWebHistory('/console/'),
  routes: [
    { path: '/sign-in', name: 'sign-in', component: SignIn },
    {
      path: '/',
      component: ConsoleLayout,
      children: [
        { path: '', redirect: { name: 'reviews' } },
        { path: 'reviews', name: 'reviews', component: () => import('./components/reviews/ReviewQueue.vue') },
        { path: 'visits/:id', name: 'visit', component: () => import('./components/visits/VisitPage.vue') },
        { path: 'approvals', name: 'approvals', component: () => import('./components/approvals/ApprovalTree.vue') },
        { path: 'cleanup', name: 'cleanup', component: () => import('./components/cleanup/CleanupPage.vue') },
        { path: 'cleanup/:id', name: 'cleanup-cooperative', component: () => import('./components/cleanup/CleanupCooperative.vue') },
        { path: 'stars', name: 'stars', component: () => import('./components/stars/StarsPage.vue') },
        { path: 'stars/applications/:id', name: 'star-application', component: () => import('./components/stars/StarApplication.vue') },
        { path: 'map', name: 'map', component: () => import('./components/map/MapPage.vue') },
        { path: 'admin', name: 'admin', component: () => import('./components/admin/AdminPage.vue') },
        { path: 'targets', name: 'targets', component: () => import('./components/targets/TargetsPage.vue') },
        { path: 'coverage', name: 'coverage', component: () => import('./components/coverage/CoveragePage.vue') },
        { path: 'reports', name: 'reports', component: () => import('./components/reports/ReportsPage.vue') },
        { path: 'team', name: 'team', component: () => import('./components/team/FieldTeam.vue') },
        { path: 'conflicts', name: 'conflicts', component: () => import('./components/conflicts/ConflictsAndDuplicates.vue') },
      ],
    },
    { path: '/:rest(.*)*', redirect: { name: 'reviews' } },
  ],
})

router.beforeEach(async (to) => {
  if (to.name === 'sign-in') return true
  if (!session.checked || !session.user) await loadSession()
  if (!session.user) return { name: 'sign-in', query: { next: to.fullPath } }
  return true
})
