package cn.suifang.backend.report;

import java.util.List;
import java.util.Map;

/**
 * Standing lifestyle advice printed on the health report, per follow-up pathway: diet, exercise and mental health.
 * General patient education in line with common Chinese guidance for these conditions; the doctor's own advice
 * from the follow-up notes is printed next to it and takes precedence.
 */
record HealthAdvice(List<String> diet, List<String> exercise, List<String> mental) {

    private static final HealthAdvice GENERAL = new HealthAdvice(
            List.of("清淡均衡饮食，每日食盐不超过 5 克，少吃油炸、腌制食品", "多吃新鲜蔬菜水果和全谷物，适量优质蛋白（鱼、蛋、奶、豆制品）",
                    "戒烟限酒"),
            List.of("循序渐进恢复日常活动，以不感到明显疲劳为度", "每周累计中等强度活动（如快走）约 150 分钟，身体不适时暂停并就医"),
            List.of("保持规律作息，保证睡眠", "出现持续情绪低落、焦虑或失眠，请告诉随访医生，必要时寻求心理咨询"));

    private static final Map<String, HealthAdvice> BY_PATHWAY = Map.of(
            "PCI", new HealthAdvice(
                    List.of("低盐低脂饮食，每日食盐不超过 5 克，烹调油不超过 25 克", "少吃动物内脏、肥肉和油炸食品，多吃蔬菜水果、全谷物和鱼类",
                            "严格戒烟，避免二手烟；限制饮酒"),
                    List.of("参加心脏康复：出院早期以散步为主，逐步增加到每周 5 次、每次 30 分钟中等强度有氧运动",
                            "运动中出现胸痛、胸闷、心慌、气短，立即停止并休息，不缓解及时就医",
                            "穿刺部位愈合前避免提重物和剧烈活动"),
                    List.of("心梗和支架术后常见紧张、担心复发，这是正常的；按时服药和复查是最好的保护",
                            "家属多陪伴沟通；持续焦虑、抑郁或失眠超过两周，请告诉随访医生")),
            "HF", new HealthAdvice(
                    List.of("限制钠盐，每日食盐不超过 3–5 克；按医嘱控制饮水量", "每天早晨排尿后、早餐前称体重并记录，3 天内增加 2 公斤以上及时联系医生",
                            "少量多餐，避免过饱；戒烟戒酒"),
                    List.of("在病情稳定时进行低到中等强度的活动，如散步、太极，以能说话不气喘为度",
                            "出现气短加重、下肢浮肿、夜间不能平卧时停止活动并就医"),
                    List.of("心衰是需要长期管理的慢性病，规律用药、监测体重能明显减少住院",
                            "情绪低落、对治疗失去信心时请告诉随访医生，可获得心理支持")),
            "T2DM", new HealthAdvice(
                    List.of("控制总热量，主食定量，粗细搭配，优先选择低升糖指数食物", "少吃甜食、含糖饮料和油炸食品；多吃蔬菜，适量水果放在两餐之间",
                            "定时定量进餐，与降糖药或胰岛素时间配合"),
                    List.of("每周至少 150 分钟中等强度有氧运动（如快走、游泳），每周 2–3 次抗阻训练",
                            "餐后 1 小时左右运动为宜；随身携带糖果，出现心慌、出汗、手抖等低血糖表现立即进食"),
                    List.of("糖尿病需要长期自我管理，不必因一两次血糖波动而焦虑", "感到压力大、烦躁或情绪低落时，可与随访医生或病友交流")),
            "HTN", new HealthAdvice(
                    List.of("低盐饮食，每日食盐不超过 5 克，警惕酱油、咸菜、加工肉类中的“隐形盐”", "多吃新鲜蔬菜水果和低脂奶制品；控制体重",
                            "戒烟限酒"),
                    List.of("每周 5–7 天、每次 30 分钟以上中等强度有氧运动", "避免憋气用力的动作；血压未控制（≥180/110 mmHg）时暂停运动并就医"),
                    List.of("保持心情平和，避免情绪激动", "学会放松，如深呼吸、听音乐；长期紧张失眠请告诉医生")),
            "SURG", new HealthAdvice(
                    List.of("术后从流质、半流质逐步过渡到普通饮食，少量多餐", "保证足够蛋白质（鱼、蛋、瘦肉、奶）促进伤口愈合；忌辛辣刺激，戒烟酒"),
                    List.of("术后早期下床活动，预防血栓；逐步增加活动量", "伤口完全愈合前避免提重物和剧烈运动，避免泡澡"),
                    List.of("术后疼痛和疲乏会逐渐减轻，有疑问随时问随访医生", "担心病理结果或康复情况时，可与家人和医生沟通，不要独自承受")));

    static HealthAdvice forPathway(String pathwayCode) {
        return pathwayCode == null ? GENERAL : BY_PATHWAY.getOrDefault(pathwayCode, GENERAL);
    }
}
