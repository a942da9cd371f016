// Pathway templates as the information department edits them.
import { ROLE } from './format.js'

export const PATHWAY_STATUS = {
  ACTIVE: { label: '已启用', tag: 'success' },
  DRAFT: { label: '草稿', tag: 'warning' },
  RETIRED: { label: '已停用', tag: 'default' }
}

export const CHANNELS = [
  { value: 'PHONE', label: '电话随访' },
  { value: 'QUESTIONNAIRE', label: '小程序问卷' },
  { value: 'VISIT', label: '门诊复诊' }
]

/** Who a step can be for: the clinical roles, labelled as everywhere else in the workbench. */
export const STEP_ROLES = ['NURSE_COORDINATOR', 'PHYSICIAN', 'DIETITIAN', 'PSYCHOLOGIST', 'REHAB_THERAPIST']
  .map((value) => ({ value, label: ROLE[value] }))

export function matchText(p) {
  const parts = []
  if (p.icdPrefixes.length) parts.push(`诊断 ${p.icdPrefixes.join('、')}`)
  if (p.procedureCodes.length) parts.push(`手术 ${p.procedureCodes.join('、')}`)
  if (p.departmentCodes.length) parts.push(`科室 ${p.departmentCodes.join('、')}`)
  return parts.length ? parts.join('；') : '所有出院患者'
}

/** The request body for a new version, from a pathway as the API returned it (or as edited). */
export function draftOf(p) {
  return {
    code: p.code, name: p.name, description: p.description || null, icdPrefixes: [...p.icdPrefixes],
    procedureCodes: [...p.procedureCodes], departmentCodes: [...p.departmentCodes], priority: p.priority,
    steps: p.steps.map((s) => ({
      offsetDays: s.offsetDays, windowDays: s.windowDays, channel: s.channel, role: s.role, title: s.title,
      questionnaireCode: s.questionnaireCode || null, instructions: s.instructions || null,
      questionsText: (s.questions || []).join('\n')
    }))
  }
}

/** What the API takes: questions one per line, empty lines dropped. */
export function requestOf(draft) {
  return {
    ...draft,
    steps: draft.steps.map(({ questionsText, ...s }) => ({
      ...s,
      questionnaireCode: s.channel === 'QUESTIONNAIRE' ? s.questionnaireCode : null,
      questions: questionsText.split('\n').map((q) => q.trim()).filter(Boolean)
    }))
  }
}
