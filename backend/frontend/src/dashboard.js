// What the head's dashboard shows: months to pick, a metric's value and fraction in words.

export const METRIC_LABEL = {
  COVERAGE: '随访覆盖率',
  ON_TIME: '按时完成率',
  CONNECT_RATE: '接通率',
  AVG_TALK_SECONDS: '平均通话时长',
  ALERT_SLA: '预警处理及时率',
  QUESTIONNAIRE_RESPONSE: '问卷回收率'
}

/** The n months up to and including {@code last} (YYYY-MM) as YYYY-MM, oldest first. */
export function recentMonths(n, last) {
  const [year, mon] = last.split('-').map(Number)
  const out = []
  for (let i = n - 1; i >= 0; i--) {
    const d = new Date(year, mon - 1 - i, 1)
    out.push(`${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`)
  }
  return out
}

export function monthLabel(ym) {
  if (!ym) return ''
  const [y, m] = ym.split('-')
  return `${y}年${Number(m)}月`
}

export function valueText(m) {
  if (!m || m.value == null) return '—'
  if (m.unit === 'RATIO') return `${(m.value * 100).toFixed(1)}%`
  const s = Math.round(m.value)
  return s < 60 ? `${s} 秒` : `${Math.floor(s / 60)} 分 ${String(s % 60).padStart(2, '0')} 秒`
}

export function fractionText(m) {
  if (!m || !m.denominator) return '无数据'
  return m.unit === 'RATIO' ? `${m.numerator} / ${m.denominator}` : `${m.denominator} 通`
}
