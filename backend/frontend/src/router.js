import { createRouter, createWebHashHistory } from 'vue-router'
import { session } from './api.js'

// Hash routing: every deep link is /app/#/…, so the backend only ever serves /app/index.html.
const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/tasks' },
    { path: '/login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
    { path: '/tasks', component: () => import('./views/TaskListView.vue') },
    { path: '/task/:taskId', component: () => import('./views/TaskBriefView.vue'), props: true },
    { path: '/task/:taskId/note', component: () => import('./views/NoteFormView.vue'), props: true },
    { path: '/call/:callId', component: () => import('./views/LiveCallView.vue'), props: true },
    { path: '/patient/:patientId', component: () => import('./views/TimelineView.vue'), props: true },
    { path: '/admin/pathways', component: () => import('./views/PathwaysView.vue') },
    { path: '/admin/pathways/:pathwayId', component: () => import('./views/PathwayView.vue'), props: true },
    { path: '/admin/import', component: () => import('./views/ImportView.vue') },
    { path: '/dashboard', component: () => import('./views/DashboardView.vue') },
    { path: '/handover', component: () => import('./views/HandoverView.vue') },
    { path: '/alerts', component: () => import('./views/AlertsView.vue') },
    { path: '/alert/:alertId', component: () => import('./views/AlertView.vue'), props: true },
    { path: '/dashboard/items', component: () => import('./views/DashboardItemsView.vue') },
    { path: '/summaries', component: () => import('./views/SummariesView.vue') },
    { path: '/summary/:summaryId', component: () => import('./views/StageSummaryView.vue'), props: true },
    { path: '/:pathMatch(.*)*', redirect: '/tasks' }
  ],
  scrollBehavior: () => ({ top: 0 })
})

router.beforeEach((to) => {
  if (!to.meta.public && !session.token()) {
    return { path: '/login', query: to.fullPath !== '/tasks' ? { next: to.fullPath } : {} }
  }
  return true
})

export default router
