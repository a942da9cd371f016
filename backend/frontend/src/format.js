export const GENDER = { MALE: '男', FEMALE: '女', M: '男', F: '女', UNKNOWN: '未知' }

export const ROLE = {
  PHYSICIAN: '医师',
  NURSE_COORDINATOR: '随访护士',
  DIETITIAN: '营养师',
  PSYCHOLOGIST: '心理咨询师',
  REHAB_THERAPIST: '康复治疗师',
  DEPARTMENT_HEAD: '科主任',
  ADMIN: '管理员'
}

export const CHANNEL = { PHONE: '电话', QUESTIONNAIRE: '问卷', VISIT: '门诊', WECHAT: '微信' }

export const ADHERENCE = [
  { value: 'GOOD', label: '规律服药' },
  { value: 'PARTIAL', label: '偶有漏服' },
  { value: 'POOR', label: '经常漏服' },
  { value: 'STOPPED', label: '已自行停药' }
]

export const OUTCOMES = [
  { value: 'COMPLETED', label: '已完成随访' },
  { value: 'UNREACHABLE', label: '未联系上' },
  { value: 'REFUSED', label: '拒绝随访' },
  { value: 'READMITTED', label: '已再次住院' }
]

/** Indicators a note can record, with the canonical units the API expects. */
export const READINGS = [
  { code: 'SBP', label: '收缩压', unit: 'mmHg', group: 'bp' },
  { code: 'DBP', label: '舒张压', unit: 'mmHg', group: 'bp' },
  { code: 'HR', label: '心率', unit: '次/分' },
  { code: 'FPG', label: '空腹血糖', unit: 'mmol/L' },
  { code: 'WEIGHT', label: '体重', unit: 'kg' },
  { code: 'PPG', label: '餐后2小时血糖', unit: 'mmol/L', more: true },
  { code: 'HBA1C', label: '糖化血红蛋白', unit: '%', more: true },
  { code: 'LDL_C', label: '低密度脂蛋白胆固醇', unit: 'mmol/L', more: true },
  { code: 'SPO2', label: '血氧饱和度', unit: '%', more: true }
]

export function dateText(value) {
  if (!value) return ''
  const [y, m, d] = String(value).slice(0, 10).split('-')
  return `${y}年${Number(m)}月${Number(d)}日`
}

export function shortDate(value) {
  if (!value) return ''
  const [, m, d] = String(value).slice(0, 10).split('-')
  return `${Number(m)}月${Number(d)}日`
}

export function dateTimeText(value) {
  if (!value) return ''
  const t = new Date(value)
  const pad = (n) => String(n).padStart(2, '0')
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}`
}

export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0))
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`
}

export function durationText(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0))
  return s >= 60 ? `${Math.floor(s / 60)}分${s % 60}秒` : `${s}秒`
}

export function patientLine(p) {
  if (!p) return ''
  return [GENDER[p.gender] || '', p.age != null ? `${p.age}岁` : ''].filter(Boolean).join(' · ')
}

/** Local calendar date plus n days, as yyyy-MM-dd. */
export function plusDays(n, from = new Date()) {
  const t = new Date(from.getFullYear(), from.getMonth(), from.getDate() + n)
  const pad = (x) => String(x).padStart(2, '0')
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}`
}

/** "12月6日 14:05" in the phone's time zone (the hospital's). */
export function shortDateTime(value) {
  if (!value) return ''
  const t = new Date(value)
  const pad = (n) => String(n).padStart(2, '0')
  return `${t.getMonth() + 1}月${t.getDate()}日 ${pad(t.getHours())}:${pad(t.getMinutes())}`
}

/** Alert levels as staff know them: 3 red (physician), 2 orange (nurse coordinator), 1 yellow (advice to the patient). */
export const LEVEL = {
  1: { text: '1级', tag: 'warning' },
  2: { text: '2级', tag: 'danger' },
  3: { text: '3级', tag: 'danger' }
}

/** "2025年3月7日" for an instant, in the phone's time zone (the hospital's). */
export function localDateText(value) {
  if (!value) return ''
  const t = new Date(value)
  return `${t.getFullYear()}年${t.getMonth() + 1}月${t.getDate()}日`
}

/** 张三 → 张*, 欧阳娜娜 → 欧**娜 (as the API masks names in lists). */
export function maskedName(name) {
  const chars = [...(name || '')]
  if (chars.length < 2) return name || ''
  if (chars.length === 2) return `${chars[0]}*`
  return chars[0] + '*'.repeat(chars.length - 2) + chars[chars.length - 1]
}
