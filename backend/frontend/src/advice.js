// Health advice (interventions) and stage summaries as the workbench shows them.
import { shortDate } from './format.js'

/** The kinds of advice the API accepts, in the order a clinician thinks of them. */
export const ADVICE_KINDS = [
  { value: 'DIET', label: '饮食' },
  { value: 'EXERCISE', label: '运动' },
  { value: 'MEDICATION', label: '用药' },
  { value: 'LIFESTYLE', label: '生活方式' },
  { value: 'MENTAL', label: '心理' }
]

/** What the nurse asks on the call: did the patient do it? */
export const ADVICE_OUTCOMES = [
  { value: 'DONE', label: '做到了' },
  { value: 'PARTLY', label: '部分做到' },
  { value: 'NOT_DONE', label: '没做到' }
]

/** When to ask whether it was done (days after sending). */
export const CHECK_IN = [
  { days: 7, label: '1周' },
  { days: 14, label: '2周' },
  { days: 30, label: '1个月' }
]

/** Who answered whether it was done. */
export const ANSWERED_BY = { PATIENT: '患者在小程序回答', PROXY: '家属在小程序代答', STAFF: '医护记录' }

/** "草稿待审核" or "已签署 12月6日 · 李医生". */
export function summaryStatusText(s) {
  if (s.status !== 'SIGNED') return '草稿待审核'
  return `已签署 ${shortDate(localDay(s.signedAt))}${s.signedBy ? ` · ${s.signedBy}` : ''}`
}

/** "11月23日—2月21日", the phase a summary covers. */
export function periodText(s) {
  return `${shortDate(s.periodStart)}—${shortDate(s.periodEnd)}`
}

// the calendar day of an instant on the phone (the hospital's zone), as yyyy-MM-dd
function localDay(value) {
  const t = new Date(value)
  const pad = (n) => String(n).padStart(2, '0')
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}`
}
