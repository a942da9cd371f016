import { createApp } from 'vue'
import Vant from 'vant'
import 'vant/lib/index.css'
import App from './App.vue'
import router from './router.js'
import { onUnauthorized } from './api.js'
import './style.css'

onUnauthorized(() => {
  if (router.currentRoute.value.path !== '/login') router.replace('/login')
})

createApp(App).use(router).use(Vant).mount('#app')
