// Patient tags as the workbench shows them: risk and clinical tags first and loudest, the rest quieter.

export const TAG_CATEGORY = {
  RISK: { label: '风险', order: 0 },
  CLINICAL: { label: '临床', order: 1 },
  BEHAVIOUR: { label: '行为', order: 2 },
  LIFESTYLE: { label: '生活方式', order: 3 },
  MANUAL: { label: '手动', order: 4 }
}

/** The tags a list can be filtered by without typing (codes of the active tag rules). */
export const COMMON_TAGS = [
  { code: 'HTN_UNCONTROLLED', label: '高血压未达标' },
  { code: 'DM_UNCONTROLLED', label: '血糖未达标' },
  { code: 'LDL_UNCONTROLLED', label: '血脂未达标' },
  { code: 'POOR_ADHERENCE', label: '依从性差' },
  { code: 'LOSS_RISK', label: '失访风险' },
  { code: 'ASCVD_HIGH_RISK', label: '心血管病高危' }
]

/** Labels staff most often put on by hand, offered as one-tap picks. */
export const MANUAL_SUGGESTIONS = ['听力障碍', '需家属陪同', '行动不便', '方言沟通']

/** Live tags by prominence (category), then newest first. */
export function byProminence(a, b) {
  const order = (t) => TAG_CATEGORY[t.category]?.order ?? 9
  return order(a) - order(b) || (a.setAt < b.setAt ? 1 : a.setAt > b.setAt ? -1 : 0)
}

export function tagLabelOf(code) {
  return COMMON_TAGS.find((t) => t.code === code)?.label || code
}
