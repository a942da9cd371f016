// The public API only, with the bearer token kept in sessionStorage (gone when WeCom closes the page).
const TOKEN_KEY = 'suifang.token'
const ME_KEY = 'suifang.me'

let unauthorizedHandler = () => {}

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  me: () => JSON.parse(sessionStorage.getItem(ME_KEY) || 'null'),
  save(token, me) {
    sessionStorage.setItem(TOKEN_KEY, token)
    sessionStorage.setItem(ME_KEY, JSON.stringify(me))
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY)
    sessionStorage.removeItem(ME_KEY)
  }
}

export function onUnauthorized(handler) {
  unauthorizedHandler = handler
}

/** An RFC 7807 problem (or a network failure, status 0) with text a doctor can read. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || '请求失败')
    this.status = status
    this.title = problem?.title || (status === 0 ? '网络异常' : '请求失败')
    this.detail = problem?.detail || (status === 0 ? '网络连接不稳定，请稍后重试' : '请稍后重试')
    this.code = problem?.code
    this.errors = problem?.errors || []
    this.retryAfter = null
  }
}

/** A call to the API; {@code contentType} sends {@code body} as it is (a file) instead of as JSON. */
export async function request(method, path, body, { raw = false, timeoutMs = 15000, contentType = null } = {}) {
  // files (a recording, the PDF report) are asked for as anything; their problems still come as problem+json
  const headers = { Accept: raw ? '*/*' : 'application/json, application/problem+json' }
  const token = session.token()
  if (token) headers.Authorization = `Bearer ${token}`
  if (body !== undefined) headers['Content-Type'] = contentType || 'application/json'
  // a request that hangs (a phone between cells, a stalled proxy) ends as a network error the page can retry
  const abort = new AbortController()
  const timer = setTimeout(() => abort.abort(), timeoutMs)
  let response
  try {
    response = await fetch(path, { method, headers,
      body: body === undefined || contentType ? body : JSON.stringify(body),
      signal: abort.signal })
  } catch (e) {
    throw new ApiError(0, null)
  } finally {
    clearTimeout(timer)
  }
  if (response.status === 401 && !path.startsWith('/api/auth/')) {
    session.clear()
    unauthorizedHandler()
    throw new ApiError(401, { title: '未登录或登录已过期', detail: '请重新登录后再试' })
  }
  if (!response.ok) {
    let problem = null
    try { problem = await response.json() } catch (e) { /* not a problem document */ }
    const error = new ApiError(response.status, problem)
    error.retryAfter = response.headers.get('Retry-After')
    throw error
  }
  if (raw) return response
  if (response.status === 204) return null
  const text = await response.text()
  return text ? JSON.parse(text) : null
}

export const api = {
  demoAccounts: () => request('GET', '/api/auth/demo-accounts'),
  wecomStatus: () => request('GET', '/api/auth/wecom'),
  wecomAuthorizeUrl: (state, redirect) =>
    request('GET', `/api/auth/wecom/authorize-url?state=${encodeURIComponent(state)}&redirect=${encodeURIComponent(redirect)}`),
  wecomLogin: (code) => request('POST', '/api/auth/wecom/login', { code }),
  demoLogin: (staffId) => request('POST', '/api/auth/demo-login', { staffId }),
  logout: () => request('POST', '/api/auth/logout'),
  me: () => request('GET', '/api/me'),
  taskCounts: () => request('GET', '/api/workbench/task-counts'),
  alerts: (view) => request('GET', `/api/alerts?view=${view}`),
  alertCounts: () => request('GET', '/api/alerts/counts'),
  alert: (alertId) => request('GET', `/api/alerts/${alertId}`),
  acknowledgeAlert: (alertId) => request('POST', `/api/alerts/${alertId}/acknowledge`, {}),
  resolveAlert: (alertId, body) => request('POST', `/api/alerts/${alertId}/resolve`, body),
  staff: () => request('GET', '/api/admin/staff'),
  handoverPreview: (fromStaffId, toStaffId) => request('POST', '/api/handovers/preview', { fromStaffId, toStaffId }),
  handover: (fromStaffId, toStaffId, requestId) => request('POST', '/api/handovers', { fromStaffId, toStaffId, requestId }),
  handovers: () => request('GET', '/api/handovers?limit=20'),
  /** My tasks in one view; with {@code tag} (a tag code), only of patients carrying that tag now. */
  tasks: (view, cursor, { tag = null, limit = 20 } = {}) => {
    const q = new URLSearchParams({ view, limit: String(limit) })
    if (tag) q.set('tag', tag)
    if (cursor) q.set('cursor', cursor)
    return request('GET', `/api/workbench/tasks?${q}`)
  },
  task: (taskId) => request('GET', `/api/tasks/${taskId}`),
  timeline: (patientId) => request('GET', `/api/patients/${patientId}/timeline`),
  patientTags: (patientId, history = false) => request('GET', `/api/patients/${patientId}/tags?history=${history}`),
  addPatientTag: (patientId, tag) => request('POST', `/api/patients/${patientId}/tags`, tag),
  removePatientTag: (patientId, tagId, reason) => request('DELETE',
    `/api/patients/${patientId}/tags/${tagId}${reason ? `?reason=${encodeURIComponent(reason)}` : ''}`),
  risk: (patientId) => request('GET', `/api/patients/${patientId}/risk`),
  /** The patient's header (identifiers masked, name in full). */
  patient: (patientId) => request('GET', `/api/patients/${patientId}`),
  adviceSuggestions: (patientId) => request('GET', `/api/patients/${patientId}/advice-suggestions`),
  interventions: (patientId) => request('GET', `/api/patients/${patientId}/interventions`),
  /** {adviceItemId, reason?} from the library, or {kind, title, body, checkInDays?} written for this patient. */
  sendIntervention: (patientId, body) => request('POST', `/api/patients/${patientId}/interventions`, body),
  interventionOutcome: (id, outcome, note) => request('POST', `/api/interventions/${id}/outcome`,
    { outcome, note: note || undefined }),
  cancelIntervention: (id) => request('POST', `/api/interventions/${id}/cancel`),
  stageSummaries: (patientId) => request('GET', `/api/patients/${patientId}/stage-summaries`),
  draftStageSummary: (patientId) => request('POST', `/api/patients/${patientId}/stage-summaries`),
  summariesToReview: () => request('GET', '/api/stage-summaries'),
  stageSummary: (id) => request('GET', `/api/stage-summaries/${id}`),
  editStageSummary: (id, narrative, version) => request('PUT', `/api/stage-summaries/${id}`, { narrative, version }),
  signStageSummary: (id, version) => request('POST', `/api/stage-summaries/${id}/sign`, { version }),
  startCall: (taskId) => request('POST', `/api/tasks/${taskId}/calls`),
  call: (callId) => request('GET', `/api/calls/${callId}`, undefined, { timeoutMs: 5000 }),
  cancelCall: (callId) => request('POST', `/api/calls/${callId}/cancel`),
  callsOfTask: (taskId) => request('GET', `/api/tasks/${taskId}/calls`),
  async recording(callId) {
    const response = await request('GET', `/api/calls/${callId}/recording`, undefined, { raw: true, timeoutMs: 60000 })
    return response.blob()
  },
  submitNote: (taskId, note) => request('POST', `/api/tasks/${taskId}/notes`, note),
  reopen: (taskId) => request('POST', `/api/tasks/${taskId}/reopen`, {}),
  colleagues: () => request('GET', '/api/workbench/colleagues'),
  reassign: (taskId, assigneeId, reason) => request('POST', `/api/tasks/${taskId}/reassign`, { assigneeId, reason }),
  async healthReport(patientId) {
    const response = await request('GET', `/api/patients/${patientId}/health-report`, undefined,
      { raw: true, timeoutMs: 60000 })
    return response.blob()
  },
  /** A HIS CSV as the file's own bytes: the server decodes it with the charset named here (UTF-8 or GBK). */
  importCsv: (source, file, charset) => request('POST', `/api/admin/discharges/csv?source=${encodeURIComponent(source)}`,
    file, { contentType: `text/csv;charset=${charset}`, timeoutMs: 120000 }),
  pathways: () => request('GET', '/api/admin/pathways'),
  pathway: (id) => request('GET', `/api/admin/pathways/${id}`),
  createPathwayVersion: (body) => request('POST', '/api/admin/pathways', body),
  activatePathway: (id) => request('POST', `/api/admin/pathways/${id}/activate`),
  importJob: (jobId) => request('GET', `/api/admin/import-jobs/${jobId}`),
  dashboard: (month) => request('GET', `/api/dashboard/summary${month ? `?month=${month}` : ''}`),
  dashboardTags: () => request('GET', '/api/dashboard/tags'),
  dashboardBreakdown: (month, by) => request('GET', `/api/dashboard/breakdown?month=${month}&by=${by}`),
  dashboardItems: ({ month, metric, part, staffId, pathway, cursor }) => {
    const q = new URLSearchParams({ month, metric, part, limit: '30' })
    if (staffId != null) q.set('staffId', staffId)
    if (pathway) q.set('pathway', pathway)
    if (cursor) q.set('cursor', cursor)
    return request('GET', `/api/dashboard/items?${q}`)
  },
  async dashboardCsv(month, by) {
    const response = await request('GET', `/api/dashboard/export?month=${month}&by=${by}`, undefined, { raw: true })
    return { blob: await response.blob(), fileName: fileNameOf(response, `随访看板-${month}.csv`) }
  }
}

/** The file name a download response names in Content-Disposition (RFC 5987 filename*), or the fallback. */
function fileNameOf(response, fallback) {
  const match = /filename\*=UTF-8''([^;]+)/.exec(response.headers.get('Content-Disposition') || '')
  return match ? decodeURIComponent(match[1]) : fallback
}
