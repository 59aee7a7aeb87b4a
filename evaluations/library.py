"""Indicator sets shipped with netbranch, as data a committee copies and then edits.

Nothing here is read at scoring time: ``copy_from_library`` turns a spec into
``Scheme``/``Section``/``Item`` rows owned by an organization and a year, and
from then on the rows are the truth. The texts are the documents' own
(Chinese), as a committee would type them in; they are data, not interface.

Section kinds (``Section.Kind``):
- ``basic``: items add up, the section never gives more than its cap.
- ``bonus``: positive incentive, items add up to at most the cap.
- ``deduction``: starts at its cap; each item's points are deducted, never below 0.
- ``veto``: member schemes: any one item found sets the total to zero (一票否决).
- ``reverse``: branch schemes: any one item found rates the branch at the lowest
  rating (后进) whatever its points.
A section with a ``branch_type`` counts only for branches of that type (the
堡垒指数's individual index).

An item's ``method`` is ``manual`` (a reviewer scores it with a note and
evidence) or the key of an automatic rule in ``evaluations.rules``:
member rules ``attendance``, ``study``, ``reports``, ``contact``; branch rules
``branch_activities``, ``branch_attendance``, ``branch_study``,
``branch_reports``, ``branch_visits``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ItemSpec:
    title: str
    points: Decimal
    rule: str = ""
    method: str = "manual"


@dataclass(frozen=True)
class SectionSpec:
    title: str
    kind: str
    cap: Decimal
    items: tuple[ItemSpec, ...]
    branch_type: str = ""


@dataclass(frozen=True)
class SchemeSpec:
    key: str
    name: str
    subject: str  # "member" or "branch"
    description: str
    sections: tuple[SectionSpec, ...]
    # (rating, lowest total that earns it), best first; the last is the floor
    # that a veto or a reverse situation gives.
    ratings: tuple[tuple[str, Decimal], ...]
    publicity_days: int = 5


D = Decimal

MEMBER_RATINGS = (
    ("excellent", D("90")),
    ("qualified", D("70")),
    ("basically_qualified", D("60")),
    ("unqualified", D("0")),
)
BRANCH_RATINGS = (
    ("advanced", D("90")),
    ("qualified", D("60")),
    ("lagging", D("0")),
)


# 党员先锋指数: modelled on Qinghai province's practice. Basic index 60, positive
# incentive 20, negative deductions 20; any clear-to-zero item sets it to 0.
VANGUARD = SchemeSpec(
    key="vanguard",
    name="党员先锋指数",
    subject="member",
    description=(
        "参照青海省党员先锋指数管理做法，由基础指数（60分）、正向激励指数（20分）和负向扣减指数（20分）组成，"
        "满分100分；有清零事项之一的，先锋指数直接计为零。"
        "年度得分90分以上评为优秀，70分以上为合格，60分以上为基本合格，60分以下为不合格。"
    ),
    sections=(
        SectionSpec(
            "政治素质",
            "basic",
            D("15"),
            (
                ItemSpec(
                    "理想信念坚定",
                    D("3"),
                    "坚定共产主义远大理想和中国特色社会主义共同理想得3分；思想认识模糊的酌情扣分。",
                ),
                ItemSpec(
                    "增强“四个意识”、做到“两个维护”",
                    D("3"),
                    "在思想上政治上行动上同党中央保持高度一致得3分；有偏差的酌情扣分。",
                ),
                ItemSpec(
                    "按规定按期提交思想汇报",
                    D("4"),
                    "自动计分：每期至少提交一篇思想汇报，得分=4×（按期提交的期数÷应提交期数）。",
                    method="reports",
                ),
                ItemSpec(
                    "对党忠诚老实", D("2"), "如实向党组织反映情况、按时报告个人去向和联系方式得2分；隐瞒不报的不得分。"
                ),
                ItemSpec(
                    "宣传贯彻党的路线方针政策", D("3"), "主动宣传党的政策、带头执行上级决定得3分；执行不力的酌情扣分。"
                ),
            ),
        ),
        SectionSpec(
            "纪律规矩",
            "basic",
            D("15"),
            (
                ItemSpec(
                    "遵守政治纪律和政治规矩",
                    D("4"),
                    "无违反政治纪律和政治规矩行为得4分；有不当行为经教育改正的酌情扣分。",
                ),
                ItemSpec("按时足额交纳党费", D("4"), "按月足额交纳党费得4分；每迟交一个月扣1分，扣完为止。"),
                ItemSpec(
                    "遵守廉洁纪律和中央八项规定精神",
                    D("3"),
                    "无违反廉洁纪律和八项规定精神行为得3分；有苗头性问题的酌情扣分。",
                ),
                ItemSpec(
                    "遵守工作纪律和劳动纪律",
                    D("4"),
                    "遵守所在单位规章制度、无违章违纪记录得4分；每有一次违纪记录扣1分。",
                ),
            ),
        ),
        SectionSpec(
            "学习教育（组织生活）",
            "basic",
            D("15"),
            (
                ItemSpec(
                    "按时参加统一活动日和组织生活",
                    D("5"),
                    "自动计分：出席或事后补学均计为参加，经批准请假的不计入应参加次数、不扣分；"
                    "得分=5×（参加次数÷应参加次数）。",
                    method="attendance",
                ),
                ItemSpec(
                    "按时完成推送的学习资料",
                    D("4"),
                    "自动计分：得分=4×（已完成的学习资料÷应学学习资料）；经批准请假期间推送而未学的不计入应学。",
                    method="study",
                ),
                ItemSpec(
                    "每月与支部保持联系",
                    D("2"),
                    "自动计分：当月有签到、思想汇报或支部联系记录之一即算联系；得分=2×（有联系的月份÷应联系月份）。",
                    method="contact",
                ),
                ItemSpec(
                    "参加组织生活会和民主评议党员",
                    D("2"),
                    "按时参加并认真开展批评与自我批评得2分；无故不参加的不得分。",
                ),
                ItemSpec("参加集中培训和专题学习", D("2"), "按要求参加上级组织的集中培训得2分；每缺一次扣1分。"),
            ),
        ),
        SectionSpec(
            "作用发挥",
            "basic",
            D("15"),
            (
                ItemSpec(
                    "立足岗位履职尽责", D("5"), "在工作岗位上爱岗敬业、完成本职任务得5分；工作不力受到批评的酌情扣分。"
                ),
                ItemSpec("联系服务群众", D("4"), "主动联系服务身边群众、为群众办实事得4分；作用不明显的酌情扣分。"),
                ItemSpec("完成党组织分配的任务", D("3"), "按时完成党组织分配的工作得3分；每有一次未完成扣1分。"),
                ItemSpec(
                    "维护团结稳定、带头移风易俗", D("3"), "带头维护社会稳定、倡导文明新风得3分；有不良影响的酌情扣分。"
                ),
            ),
        ),
        SectionSpec(
            "正向激励指数",
            "bonus",
            D("20"),
            (
                ItemSpec(
                    "受到表彰奖励", D("6"), "受到县级以上党委、政府表彰的加6分，受到乡镇（企业）党委表彰的加3分。"
                ),
                ItemSpec(
                    "在急难险重任务中表现突出", D("5"), "在抢险救灾、疫情防控等急难险重任务中表现突出的，每次加2至5分。"
                ),
                ItemSpec("积极参加志愿服务", D("4"), "参加党员志愿服务活动的，每次加1分，最多加4分。"),
                ItemSpec("帮扶困难党员群众", D("4"), "结对帮扶困难党员或群众、解决实际困难的，每户加2分，最多加4分。"),
                ItemSpec(
                    "提出合理化建议被采纳", D("3"), "提出的合理化建议被党组织或单位采纳的，每条加1分，最多加3分。"
                ),
                ItemSpec("带头安全生产", D("3"), "带头遵章守规、及时发现并报告重大安全隐患的，每次加1至3分。"),
            ),
        ),
        SectionSpec(
            "负向扣减指数",
            "deduction",
            D("20"),
            (
                ItemSpec(
                    "无故不参加组织生活", D("5"), "无故不参加统一活动日或组织生活又不补学的，每次扣1分，最多扣5分。"
                ),
                ItemSpec("不按时交纳党费", D("4"), "无正当理由不按时交纳党费的，每月扣1分，最多扣4分。"),
                ItemSpec(
                    "违反工作纪律或安全规程受到处理", D("5"), "违反工作纪律或安全操作规程受到单位处理的，每次扣2至5分。"
                ),
                ItemSpec("发表不当言论", D("5"), "在网络或公开场合发表不当言论、造成不良影响的，每次扣3至5分。"),
                ItemSpec("受到诫勉谈话或通报批评", D("5"), "受到诫勉谈话的扣3分，受到通报批评的扣5分。"),
                ItemSpec("群众反映强烈", D("4"), "作风不实、群众反映强烈经核实的，每次扣2分，最多扣4分。"),
            ),
        ),
        SectionSpec(
            "清零事项（一票否决）",
            "veto",
            D("0"),
            (
                ItemSpec("违反政治纪律", D("0"), "有违反政治纪律行为、造成恶劣影响的，先锋指数清零。"),
                ItemSpec("受到留党察看以上党纪处分", D("0"), "本年度受到留党察看、开除党籍处分的，先锋指数清零。"),
                ItemSpec("违法犯罪", D("0"), "因违法犯罪受到刑事处罚或行政拘留的，先锋指数清零。"),
                ItemSpec(
                    "参加非法组织或邪教活动", D("0"), "参加非法组织、邪教组织活动或从事宗教活动的，先锋指数清零。"
                ),
                ItemSpec(
                    "连续六个月不参加组织生活、不交纳党费或不做党所分配的工作",
                    D("0"),
                    "无正当理由连续六个月不参加党的组织生活，或不交纳党费，或不做党所分配的工作的，先锋指数清零。",
                ),
                ItemSpec("组织或参与群体性事件", D("0"), "组织、煽动或参与群体性事件、非法上访的，先锋指数清零。"),
            ),
        ),
    ),
    ratings=MEMBER_RATINGS,
    publicity_days=5,
)


# 党支部堡垒指数: common index 60, individual index 40 by branch type; any one
# reverse item rates the branch 后进.
BASTION = SchemeSpec(
    key="bastion",
    name="党支部堡垒指数",
    subject="branch",
    description=(
        "由共性指数（60分）和按支部类型设置的个性指数（40分）组成，满分100分。"
        "年度得分90分以上评为先进，60分以上为合格，60分以下为后进；有反向指标之一的，直接评为后进。"
    ),
    sections=(
        SectionSpec(
            "班子队伍建设",
            "basic",
            D("15"),
            (
                ItemSpec(
                    "支部委员会设置健全、按期换届",
                    D("4"),
                    "支委会健全、按期换届得4分；委员缺额超过三个月或未按期换届的不得分。",
                ),
                ItemSpec(
                    "书记履行第一责任人职责", D("4"), "书记抓党建责任落实、年度述职评议为好得4分；评议为一般的得2分。"
                ),
                ItemSpec(
                    "委员分工明确、履职尽责", D("3"), "委员分工明确、各负其责得3分；分工不清或履职不到位的酌情扣分。"
                ),
                ItemSpec(
                    "班子团结、落实民主集中制",
                    D("4"),
                    "重大事项集体讨论决定、班子团结得4分；有个人说了算等问题的酌情扣分。",
                ),
            ),
        ),
        SectionSpec(
            "党员队伍建设",
            "basic",
            D("15"),
            (
                ItemSpec(
                    "发展党员程序规范", D("3"), "按计划发展党员、程序规范、材料齐全得3分；程序不规范的每例扣1分。"
                ),
                ItemSpec(
                    "党员学习资料完成率",
                    D("4"),
                    "自动计分：得分=4×（本支部党员已完成的学习资料÷应学学习资料），经批准请假期间的不计入应学。",
                    method="branch_study",
                ),
                ItemSpec(
                    "思想汇报及时回复率",
                    D("3"),
                    "自动计分：得分=3×（规定时限内回复的思想汇报÷收到的思想汇报）。",
                    method="branch_reports",
                ),
                ItemSpec(
                    "困难党员走访帮扶",
                    D("3"),
                    "自动计分：得分=3×（本年走访过的困难党员÷困难党员人数）；没有困难党员的得满分。",
                    method="branch_visits",
                ),
                ItemSpec(
                    "流动党员管理服务", D("2"), "流动党员去向清楚、联系畅通、纳入组织管理得2分；每有一名失联党员扣1分。"
                ),
            ),
        ),
        SectionSpec(
            "组织生活",
            "basic",
            D("18"),
            (
                ItemSpec(
                    "按月开展统一活动日",
                    D("5"),
                    "自动计分：得分=5×（已开展统一活动日的月份÷应开展月份）。",
                    method="branch_activities",
                ),
                ItemSpec(
                    "党员参加统一活动日比例",
                    D("5"),
                    "自动计分：得分=5×（出席或补学的人次÷应到人次），经批准请假的不计入应到。",
                    method="branch_attendance",
                ),
                ItemSpec(
                    "落实“三会一课”制度",
                    D("4"),
                    "支委会、党员大会、党小组会、党课按规定开展且记录完整得4分；每缺一次扣1分。",
                ),
                ItemSpec(
                    "组织生活会和民主评议党员",
                    D("4"),
                    "按时召开组织生活会、开展民主评议党员得4分；未开展的不得分，质量不高的酌情扣分。",
                ),
            ),
        ),
        SectionSpec(
            "基础保障",
            "basic",
            D("12"),
            (
                ItemSpec(
                    "活动阵地建设", D("4"), "有固定活动场所或网络学习平台、设施完好并正常使用得4分；缺少的酌情扣分。"
                ),
                ItemSpec("台账资料规范", D("4"), "党员名册、会议记录、党费收缴等台账齐全规范得4分；每缺一项扣1分。"),
                ItemSpec("党费收缴使用管理", D("4"), "党费按标准收缴、按时上交、使用规范得4分；有问题的每项扣2分。"),
            ),
        ),
        SectionSpec(
            "个性指数（农村党支部）",
            "basic",
            D("40"),
            (
                ItemSpec(
                    "发展壮大村集体经济", D("12"), "村集体经济收入较上年增长、有稳定收入来源得12分；空壳村不得分。"
                ),
                ItemSpec(
                    "带领群众增收致富", D("10"), "党员带头创业致富、结对带动群众增收得10分；作用不明显的酌情扣分。"
                ),
                ItemSpec(
                    "党组织领导乡村治理",
                    D("10"),
                    "落实“四议两公开”、健全自治法治德治相结合的治理体系得10分；有缺项的酌情扣分。",
                ),
                ItemSpec(
                    "改善人居环境、推进乡风文明",
                    D("8"),
                    "人居环境整治和移风易俗工作取得实效得8分；群众不满意的酌情扣分。",
                ),
            ),
            branch_type="village",
        ),
        SectionSpec(
            "个性指数（社区党支部）",
            "basic",
            D("40"),
            (
                ItemSpec(
                    "党建引领网格化治理",
                    D("12"),
                    "网格划分合理、党员担任网格员、问题及时发现处置得12分；有缺项的酌情扣分。",
                ),
                ItemSpec(
                    "为民服务", D("10"), "便民服务事项及时办理、群众满意度高得10分；有群众投诉经核实的每次扣2分。"
                ),
                ItemSpec(
                    "区域化党建共驻共建", D("10"), "与驻区单位签订共建协议、开展共建活动得10分；流于形式的酌情扣分。"
                ),
                ItemSpec(
                    "在职党员进社区报到服务", D("8"), "在职党员报到率达到90%以上并参加服务得8分；每低10个百分点扣2分。"
                ),
            ),
            branch_type="community",
        ),
        SectionSpec(
            "个性指数（机关党支部）",
            "basic",
            D("40"),
            (
                ItemSpec(
                    "党建与业务深度融合",
                    D("12"),
                    "围绕中心工作开展党建、完成年度业务目标得12分；党建业务“两张皮”的酌情扣分。",
                ),
                ItemSpec(
                    "作风建设、创建模范机关", D("10"), "无“四风”问题、机关作风评议满意得10分；被通报的每次扣5分。"
                ),
                ItemSpec(
                    "服务基层和群众", D("10"), "深入基层调研、为基层和群众解决实际问题得10分；效果不明显的酌情扣分。"
                ),
                ItemSpec(
                    "联系帮扶和结对共建", D("8"), "与基层党组织结对共建、帮扶工作取得实效得8分；流于形式的酌情扣分。"
                ),
            ),
            branch_type="office",
        ),
        SectionSpec(
            "个性指数（事业单位党支部）",
            "basic",
            D("40"),
            (
                ItemSpec("落实党组织领导或把关作用", D("10"), "重大事项经党组织研究或前置把关得10分；未落实的不得分。"),
                ItemSpec(
                    "党建促进事业发展",
                    D("12"),
                    "围绕教学、医疗、科研等主责主业开展党建、完成年度目标得12分；未完成的酌情扣分。",
                ),
                ItemSpec(
                    "服务质量和行风建设", D("10"), "服务对象满意度高、无行风问题得10分；有投诉经核实的每次扣2分。"
                ),
                ItemSpec(
                    "在专业技术人才中发展党员",
                    D("8"),
                    "把业务骨干培养成党员、把党员培养成业务骨干成效明显得8分；无培养计划的不得分。",
                ),
            ),
            branch_type="institution",
        ),
        SectionSpec(
            "个性指数（国有企业党支部）",
            "basic",
            D("40"),
            (
                ItemSpec(
                    "党建与安全生产深度融合",
                    D("12"),
                    "开展党员安全承诺、隐患排查等活动，所在单位全年无安全生产责任事故得12分；发生一般事故的酌情扣分。",
                ),
                ItemSpec(
                    "党员先锋岗和党员责任区", D("10"), "设立党员先锋岗、责任区并发挥作用得10分；挂牌不履责的酌情扣分。"
                ),
                ItemSpec("完成生产经营任务、提质增效", D("10"), "完成年度生产经营指标得10分；未完成的按比例扣分。"),
                ItemSpec(
                    "流动党员管理",
                    D("8"),
                    "外出务工党员去向清楚、按月联系、按时参加网络组织生活得8分；每有一名失联党员扣2分。",
                ),
            ),
            branch_type="state_enterprise",
        ),
        SectionSpec(
            "个性指数（非公有制企业党支部）",
            "basic",
            D("40"),
            (
                ItemSpec(
                    "党的组织和工作覆盖",
                    D("10"),
                    "符合条件的及时建立党组织、党员纳入组织管理得10分；有遗漏的酌情扣分。",
                ),
                ItemSpec("引导企业依法诚信经营", D("10"), "企业无违法违规经营记录得10分；受到行政处罚的每次扣5分。"),
                ItemSpec(
                    "维护职工合法权益",
                    D("10"),
                    "推动签订劳动合同、按时发放工资、劳动关系和谐得10分；发生欠薪等问题的酌情扣分。",
                ),
                ItemSpec(
                    "党员示范带动企业发展",
                    D("10"),
                    "设立党员示范岗、党员在技术攻关和生产经营中发挥作用得10分；作用不明显的酌情扣分。",
                ),
            ),
            branch_type="private_enterprise",
        ),
        SectionSpec(
            "个性指数（社会组织党支部）",
            "basic",
            D("40"),
            (
                ItemSpec(
                    "政治引领", D("12"), "引导社会组织坚持正确政治方向、章程写入党建工作内容得12分；未写入的扣4分。"
                ),
                ItemSpec("党的工作覆盖", D("8"), "从业人员中的党员全部纳入组织管理得8分；有游离党员的每人扣2分。"),
                ItemSpec(
                    "服务社会、参与公益",
                    D("10"),
                    "组织开展公益服务、参与社会治理取得实效得10分；效果不明显的酌情扣分。",
                ),
                ItemSpec("促进规范运营", D("10"), "社会组织年检合格、财务管理规范得10分；年检不合格的不得分。"),
            ),
            branch_type="social_organization",
        ),
        SectionSpec(
            "反向指标",
            "reverse",
            D("0"),
            (
                ItemSpec(
                    "班子软弱涣散、长期不开展工作", D("0"), "经认定为软弱涣散党组织，或长期不开展工作的，直接评为后进。"
                ),
                ItemSpec(
                    "发生重大安全生产责任事故",
                    D("0"),
                    "所在单位发生重大安全生产责任事故、支部负有责任的，直接评为后进。",
                ),
                ItemSpec(
                    "党员发生严重违纪违法、造成恶劣影响",
                    D("0"),
                    "本支部党员受到严重党纪处分或刑事处罚、造成恶劣影响的，直接评为后进。",
                ),
                ItemSpec(
                    "连续三个月以上不开展组织生活",
                    D("0"),
                    "连续三个月以上未开展统一活动日或其他组织生活的，直接评为后进。",
                ),
                ItemSpec(
                    "发生群体性事件处置不力", D("0"), "辖区或本单位发生群体性事件、支部处置不力的，直接评为后进。"
                ),
                ItemSpec(
                    "巡察审计发现严重问题拒不整改",
                    D("0"),
                    "在巡察、审计中发现严重问题而拒不整改或整改不到位的，直接评为后进。",
                ),
            ),
        ),
    ),
    ratings=BRANCH_RATINGS,
    publicity_days=5,
)


# The mine's own "six goods" for members; a veto item sets the total to 0.
SIX_GOOD = SchemeSpec(
    key="six_good",
    name="“六好”党员",
    subject="member",
    description=(
        "煤矿党委开展“六好”党员评选的指标：政治素质好、学习态度好、遵章守纪好、工作业绩好、安全生产好、群众口碑好，"
        "满分100分；有否决事项之一的总分计为零。"
        "年度得分90分以上评为优秀，70分以上为合格，60分以上为基本合格，60分以下为不合格。"
    ),
    sections=(
        SectionSpec(
            "政治素质好",
            "basic",
            D("16"),
            (
                ItemSpec(
                    "理想信念坚定、对党忠诚",
                    D("8"),
                    "政治立场坚定、自觉践行“两个维护”得8分；有错误言行经教育改正的酌情扣分。",
                ),
                ItemSpec(
                    "按期提交思想汇报",
                    D("8"),
                    "自动计分：每期至少提交一篇思想汇报，得分=8×（按期提交的期数÷应提交期数）。",
                    method="reports",
                ),
            ),
        ),
        SectionSpec(
            "学习态度好",
            "basic",
            D("18"),
            (
                ItemSpec(
                    "按时完成推送的学习资料",
                    D("10"),
                    "自动计分：得分=10×（已完成的学习资料÷应学学习资料）；经批准请假期间推送而未学的不计入应学。",
                    method="study",
                ),
                ItemSpec(
                    "按时参加统一活动日",
                    D("8"),
                    "自动计分：出席或事后补学均计为参加，经批准请假的不计入应参加次数；得分=8×（参加次数÷应参加次数）。",
                    method="attendance",
                ),
            ),
        ),
        SectionSpec(
            "遵章守纪好",
            "basic",
            D("16"),
            (
                ItemSpec("遵守党的纪律和矿规矿纪", D("8"), "无违纪违规记录得8分；每有一次违纪记录扣2分。"),
                ItemSpec("按时足额交纳党费", D("4"), "按月足额交纳党费得4分；每迟交一个月扣1分。"),
                ItemSpec(
                    "每月与支部保持联系",
                    D("4"),
                    "自动计分：当月有签到、思想汇报或支部联系记录之一即算联系；得分=4×（有联系的月份÷应联系月份）。",
                    method="contact",
                ),
            ),
        ),
        SectionSpec(
            "工作业绩好",
            "basic",
            D("16"),
            (
                ItemSpec(
                    "完成本职工作和生产任务",
                    D("10"),
                    "全面完成岗位工作和生产任务、考核为优得10分；考核为良的得7分，一般的得4分。",
                ),
                ItemSpec("技术创新和合理化建议", D("6"), "有技术革新成果或合理化建议被采纳的得6分；没有的得2分。"),
            ),
        ),
        SectionSpec(
            "安全生产好",
            "basic",
            D("18"),
            (
                ItemSpec("遵守安全规程、无“三违”行为", D("10"), "全年无“三违”记录得10分；每有一次“三违”记录扣3分。"),
                ItemSpec("隐患排查和互保联保", D("8"), "主动排查报告隐患、落实班组互保联保得8分；不落实的酌情扣分。"),
            ),
        ),
        SectionSpec(
            "群众口碑好",
            "basic",
            D("16"),
            (
                ItemSpec("团结同事、帮扶工友", D("8"), "关心帮助身边工友、家庭邻里和睦得8分；有不良反映的酌情扣分。"),
                ItemSpec("职工群众评议满意", D("8"), "职工群众评议满意率90%以上得8分；每低10个百分点扣2分。"),
            ),
        ),
        SectionSpec(
            "否决事项",
            "veto",
            D("0"),
            (
                ItemSpec("违反政治纪律", D("0"), "有违反政治纪律行为、造成恶劣影响的，总分计为零。"),
                ItemSpec("受到党纪政务处分", D("0"), "本年度受到党纪处分或政务处分的，总分计为零。"),
                ItemSpec("违章造成安全事故负主要责任", D("0"), "因“三违”造成安全事故、本人负主要责任的，总分计为零。"),
                ItemSpec("违法犯罪", D("0"), "因违法犯罪受到刑事处罚或行政拘留的，总分计为零。"),
            ),
        ),
    ),
    ratings=MEMBER_RATINGS,
    publicity_days=5,
)


# The mine's own "six solids" for branches; a reverse item rates the branch 后进.
SIX_SOLID = SchemeSpec(
    key="six_solid",
    name="“六实”党支部",
    subject="branch",
    description=(
        "煤矿党委开展“六实”党支部创建的指标：班子建设实、组织生活实、党员管理实、作用发挥实、基础工作实、群众工作实，"
        "满分100分。年度得分90分以上评为先进，60分以上为合格，60分以下为后进；有反向指标之一的，直接评为后进。"
    ),
    sections=(
        SectionSpec(
            "班子建设实",
            "basic",
            D("16"),
            (
                ItemSpec(
                    "支委会健全、分工明确",
                    D("8"),
                    "支委会按期换届、委员配齐、分工明确得8分；委员缺额或分工不清的酌情扣分。",
                ),
                ItemSpec("书记抓党建述职评议", D("8"), "书记年度述职评议为好得8分，为较好的得6分，为一般的得3分。"),
            ),
        ),
        SectionSpec(
            "组织生活实",
            "basic",
            D("20"),
            (
                ItemSpec(
                    "按月开展统一活动日",
                    D("8"),
                    "自动计分：得分=8×（已开展统一活动日的月份÷应开展月份）。",
                    method="branch_activities",
                ),
                ItemSpec(
                    "党员参加统一活动日比例",
                    D("6"),
                    "自动计分：得分=6×（出席或补学的人次÷应到人次），经批准请假的不计入应到。",
                    method="branch_attendance",
                ),
                ItemSpec(
                    "“三会一课”质量", D("6"), "“三会一课”按规定开展、内容联系安全生产实际得6分；流于形式的酌情扣分。"
                ),
            ),
        ),
        SectionSpec(
            "党员管理实",
            "basic",
            D("16"),
            (
                ItemSpec(
                    "党员学习资料完成率",
                    D("8"),
                    "自动计分：得分=8×（本支部党员已完成的学习资料÷应学学习资料），经批准请假期间的不计入应学。",
                    method="branch_study",
                ),
                ItemSpec(
                    "流动党员和网络党支部管理",
                    D("8"),
                    "外出党员全部纳入网络党支部管理、按月联系得8分；每有一名失联党员扣2分。",
                ),
            ),
        ),
        SectionSpec(
            "作用发挥实",
            "basic",
            D("18"),
            (
                ItemSpec(
                    "党建与安全生产融合",
                    D("10"),
                    "开展党员安全承诺、党员身边无事故活动，区队全年无安全责任事故得10分；发生一般事故的扣5分。",
                ),
                ItemSpec(
                    "党员先锋岗和责任区",
                    D("8"),
                    "设立党员先锋岗、责任区并在生产攻坚中发挥作用得8分；挂牌不履责的酌情扣分。",
                ),
            ),
        ),
        SectionSpec(
            "基础工作实",
            "basic",
            D("14"),
            (
                ItemSpec("台账资料规范", D("7"), "党员名册、会议记录、党费收缴等台账齐全规范得7分；每缺一项扣1分。"),
                ItemSpec(
                    "活动阵地和党费管理",
                    D("7"),
                    "活动室和网络学习平台正常使用、党费按时足额收缴上交得7分；有问题的每项扣2分。",
                ),
            ),
        ),
        SectionSpec(
            "群众工作实",
            "basic",
            D("16"),
            (
                ItemSpec(
                    "困难党员走访帮扶",
                    D("8"),
                    "自动计分：得分=8×（本年走访过的困难党员÷困难党员人数）；没有困难党员的得满分。",
                    method="branch_visits",
                ),
                ItemSpec(
                    "倾听和解决职工群众诉求",
                    D("8"),
                    "定期听取职工意见、诉求及时办结反馈得8分；有诉求长期未解决的酌情扣分。",
                ),
            ),
        ),
        SectionSpec(
            "反向指标",
            "reverse",
            D("0"),
            (
                ItemSpec(
                    "发生重大安全生产责任事故", D("0"), "区队发生重大安全生产责任事故、支部负有责任的，直接评为后进。"
                ),
                ItemSpec(
                    "连续三个月以上不开展组织生活",
                    D("0"),
                    "连续三个月以上未开展统一活动日或其他组织生活的，直接评为后进。",
                ),
                ItemSpec(
                    "党员发生严重违纪违法",
                    D("0"),
                    "本支部党员受到严重党纪处分或刑事处罚、造成恶劣影响的，直接评为后进。",
                ),
                ItemSpec("发生群体性事件处置不力", D("0"), "本单位职工发生群体性事件、支部处置不力的，直接评为后进。"),
            ),
        ),
    ),
    ratings=BRANCH_RATINGS,
    publicity_days=5,
)


SCHEMES: dict[str, SchemeSpec] = {spec.key: spec for spec in (VANGUARD, BASTION, SIX_GOOD, SIX_SOLID)}
