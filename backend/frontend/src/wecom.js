// Password-less sign-in from WeCom's workbench (OAuth2): to WeCom's authorize page and back with ?code=…&state=….
import { api, session } from './api.js'

const STATE_KEY = 'suifang.wecom.state'
const NEXT_KEY = 'suifang.wecom.next'

/** Inside WeCom's own browser (企业微信 on the phone or the desktop)? */
export const inWecom = () => /wxwork/i.test(navigator.userAgent)

/** WeCom's redirect back to us: the one-time code and our state, if this page load is one. */
export function redirectParams() {
  const params = new URLSearchParams(window.location.search)
  const code = params.get('code')
  const state = params.get('state')
  return code && state ? { code, state } : null
}

/** Sends the member to WeCom's authorize page; we come back to this app with a code. */
export async function startSignIn(next) {
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes)
  const state = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
  sessionStorage.setItem(STATE_KEY, state)
  sessionStorage.setItem(NEXT_KEY, next || '/tasks')
  const redirect = window.location.origin + window.location.pathname
  const { url } = await api.wecomAuthorizeUrl(state, redirect)
  window.location.replace(url)
}

/**
 * Exchanges the code WeCom sent back for our token. The code and state leave the address bar first (a reload or a
 * shared link must not replay them), and a state we did not issue is refused (someone else's sign-in link).
 * Returns where to go next.
 */
export async function finishSignIn({ code, state }) {
  const expected = sessionStorage.getItem(STATE_KEY)
  const next = sessionStorage.getItem(NEXT_KEY) || '/tasks'
  sessionStorage.removeItem(STATE_KEY)
  sessionStorage.removeItem(NEXT_KEY)
  window.history.replaceState(null, '', window.location.pathname + window.location.hash)
  if (!expected || expected !== state) {
    const error = new Error('登录链接已失效或不是本机发起的，请从企业微信工作台重新打开随访应用')
    error.detail = error.message
    throw error
  }
  const result = await api.wecomLogin(code)
  session.save(result.token, result.me)
  return next.startsWith('/') ? next : '/tasks'
}
