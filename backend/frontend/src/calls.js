import { showDialog, showToast } from 'vant'
import { api } from './api.js'

/** Starts the call-back for a task; shows the API's Chinese problem text when it is refused. */
export async function startCall(router, taskId) {
  try {
    const call = await api.startCall(taskId)
    router.push(`/call/${call.id}`)
    return call
  } catch (e) {
    if (e.status === 401) return null
    if (e.status === 409 || e.status === 429 || e.status === 503) {
      let message = e.detail
      if (e.status === 429 && e.retryAfter) message += `（约 ${e.retryAfter} 秒后可再试）`
      showDialog({ title: e.status === 429 ? '呼叫过于频繁' : '暂时无法呼叫', message, confirmButtonText: '知道了' })
    } else {
      showToast({ message: e.detail, wordBreak: 'break-word' })
    }
    return null
  }
}
