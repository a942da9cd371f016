// Note drafts live in localStorage per task, so a reload, a lost connection or WeCom closing the page
// does not lose what the doctor typed. The clientRequestId is made once per draft: a retried submit
// of the same draft is answered by the server as a replay, never recorded twice.
const PREFIX = 'suifang.noteDraft.'

export function loadDraft(taskId) {
  try {
    return JSON.parse(localStorage.getItem(PREFIX + taskId) || 'null')
  } catch (e) {
    return null
  }
}

export function saveDraft(taskId, draft) {
  try {
    localStorage.setItem(PREFIX + taskId, JSON.stringify({ ...draft, savedAt: Date.now() }))
  } catch (e) { /* storage full or disabled: the form still works, only without a draft */ }
}

export function dropDraft(taskId) {
  localStorage.removeItem(PREFIX + taskId)
}

/** [A-Za-z0-9_-]{…}: what the API accepts; crypto.getRandomValues also works outside secure contexts. */
export function newClientRequestId(taskId) {
  const bytes = new Uint8Array(12)
  crypto.getRandomValues(bytes)
  return `h5-${taskId}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`
}
