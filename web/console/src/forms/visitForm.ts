// The visit form (RULES.md §4, the document schema in sync/src/model/schema.rs): its sections and fields with their
// labels, and the labels of each vocabulary's values, so the console shows a visit as the counsellor filled it in.
export type Label = { zh: string; en: string }

type Vocabulary = Record<string, string>

export const vocabularies: Record<string, Vocabulary> = {
  visit_type: { baseline: '摸底排查', routine: '日常联系', star_recheck: '星级复核', follow_up: '整改回访', complaint_check: '举报核查' },
  interviewee_role: { chair: '理事长', supervisor: '监事', accountant: '会计', member: '成员', village_committee: '村两委', neighbouring_farmer: '周边农户' },
  reg_status: { active: '存续', revoked: '吊销', deregistered: '注销' },
  industry: { crops: '种植', livestock: '畜牧', fisheries: '渔业', forestry: '林业', machinery: '农机', plant_protection: '植保', general_services: '综合服务', leisure_farming: '休闲农业', other: '其他' },
  tax_filing_status: { normal: '正常', zero_filing: '零申报', not_filed: '未申报', abnormal_taxpayer: '非正常户' },
  supervisor_type: { board: '监事会', single_supervisor: '执行监事', none: '无' },
  meeting_type: { general_meeting: '成员大会', representative_assembly: '成员代表大会', board: '理事会', supervisory_board: '监事会' },
  party_org: { own: '独立党组织', joint: '联合党组织', alliance: '党建联盟', none: '无' },
  bookkeeping: { full_time: '专职会计', part_time: '兼职', agency: '代理记账', none: '无' },
  loan_status: { current: '正常', overdue: '逾期', seriously_overdue: '严重逾期' },
  inactive_reason: { none: '无', natural_disaster: '自然灾害', market: '市场', funding: '资金', manager_incident: '负责人变故', policy: '政策', other: '其他' },
  certification: { green: '绿色', organic: '有机', geographic_indication: '地理标志', pollution_free: '无公害', special_quality: '名特优新' },
  sales_channel: { supermarket: '超市', e_commerce: '电商', community_group_buying: '社区团购', wholesale_market: '农批', leading_enterprise: '龙头企业', gxs_network: '供销网络' },
  gxs_service: { joint_input_purchase: '农资统采', seedling_raising: '育秧育苗', storage_processing: '收储加工', joint_sales: '集中销售', group_credit: '集体授信', bookkeeping: '会计代理', labour_brokerage: '劳务中介' },
  gxs_relation: { co_run: '参办', led: '领办', service_linked: '服务带动', helped_found: '引导创办', none: '无' },
  nhl_level: { county: '县级', township: '乡镇', industry: '产业农合联' },
  safety_incident: { none: '无', minor: '一般', significant: '较大', major: '重大' },
  demo_level: { none: '无', county: '县', city: '市', province: '省', national: '国家', gxs_national: '全国供销合作社系统示范社' },
  shell_flag: { s1: 'S1 无农民成员实际参与', s2: 'S2 无实质性生产经营活动', s3: 'S3 因经营不善停止运行', s4: 'S4 涉嫌骗取套取财政奖补和项目资金', s5: 'S5 群众举报的违法违规线索', s6: 'S6 从事非法金融活动' },
  coop_state: { active_standard: '正常运行规范', active_nonstandard: '运行不规范', dormant_recoverable: '休眠可恢复', shell: '空壳社', fraud_risk: '涉嫌违法风险' },
  recommended_action: { standardise: '规范提升', targeted_assistance: '专项帮扶', end_sponsorship: '解除参办领办', remove_nhl_membership: '取消农合联会员', push_deregistration: '推动注销', refer_for_investigation: '移送查处', apply_for_star_rating: '星级申报' },
  datum: { wgs84: 'WGS-84', gcj02: 'GCJ-02' },
}

/** How a value is shown: plain, yes/no, a vocabulary's label, a list of records, photos, a position, a percentage. */
export type Kind =
  | { t: 'text' }
  | { t: 'number'; unit?: string }
  | { t: 'bool' }
  | { t: 'vocab'; vocab: string }
  | { t: 'vocabList'; vocab: string }
  | { t: 'textList' }
  | { t: 'photos' }
  | { t: 'geo' }
  | { t: 'records'; fields: Field[] }

export type Field = { key: string; label: Label; kind: Kind }
export type Section = { key: string; label: Label; fields: Field[] }

const text: Kind = { t: 'text' }
const num: Kind = { t: 'number' }
const yuan: Kind = { t: 'number', unit: '元' }
const pct: Kind = { t: 'number', unit: '%' }
const bool: Kind = { t: 'bool' }
const photos: Kind = { t: 'photos' }
const vocab = (v: string): Kind => ({ t: 'vocab', vocab: v })
const vocabList = (v: string): Kind => ({ t: 'vocabList', vocab: v })
const f = (key: string, zh: string, en: string, kind: Kind): Field => ({ key, label: { zh, en }, kind })

export const visitSections: Section[] = [
  {
    key: 'meta',
    label: { zh: '走访基本信息', en: 'Visit' },
    fields: [
      f('visit_date', '走访日期', 'Visit date', text),
      f('visit_type', '走访类型', 'Visit type', vocab('visit_type')),
      f('geo', '走访位置', 'Position', { t: 'geo' }),
      f('interviewees', '受访人', 'Interviewees', {
        t: 'records',
        fields: [
          f('role', '身份', 'Role', vocab('interviewee_role')),
          f('name', '姓名', 'Name', text),
          f('phone', '电话', 'Phone', text),
        ],
      }),
    ],
  },
  {
    key: 'registration',
    label: { zh: '登记与公示信息', en: 'Registration and public records' },
    fields: [
      f('coop_name', '合作社名称', 'Name', text),
      f('reg_date', '登记日期', 'Registered on', text),
      f('reg_status', '登记状态', 'Registration status', vocab('reg_status')),
      f('legal_rep', '法定代表人', 'Legal representative', text),
      f('business_scope', '经营范围', 'Business scope', text),
      f('industry', '行业', 'Industry', vocab('industry')),
      f('is_union', '是否联合社', 'Union of cooperatives', bool),
      f('annual_report_filed_last_year', '上年度年报已报送', 'Annual report filed last year', bool),
      f('annual_report_date', '年报报送日期', 'Annual report date', text),
      f('annual_report_revenue', '年报营业收入', 'Revenue in the annual report', yuan),
      f('on_abnormal_list', '列入经营异常名录', 'On the abnormal-operation list', bool),
      f('abnormal_reason', '列入原因', 'Reason', text),
      f('abnormal_since', '列入日期', 'Listed since', text),
      f('on_serious_violation_list', '列入严重违法失信名单', 'On the serious-violation list', bool),
      f('tax_filing_status', '纳税申报', 'Tax filing', vocab('tax_filing_status')),
      f('charter_on_file', '章程存档', 'Charter on file', bool),
      f('charter_based_on_model', '章程参照示范章程', 'Charter follows the model', bool),
      f('office_present', '有办公场所', 'Office present', bool),
      f('office_photos', '办公场所照片', 'Office photos', photos),
      f('bank_account_independent', '独立银行账户', 'Own bank account', bool),
    ],
  },
  {
    key: 'membership',
    label: { zh: '成员情况', en: 'Membership' },
    fields: [
      f('members_total', '成员总数', 'Members', num),
      f('members_farmer', '农民成员数', 'Farmer members', num),
      f('members_org', '单位成员数', 'Member organisations', num),
      f('members_verified_sample', '抽查成员', 'Members checked', {
        t: 'records',
        fields: [
          f('name', '姓名', 'Name', text),
          f('contacted', '联系上', 'Reached', bool),
          f('knows_membership', '知道自己是成员', 'Knows of membership', bool),
          f('contributed_capital', '有出资', 'Contributed capital', bool),
        ],
      }),
      f('capital_total', '出资总额', 'Capital', yuan),
      f('capital_max_single_pct', '单一成员最高出资比例', 'Largest single share', pct),
      f('capital_producers_pct', '生产者成员出资比例', 'Producers’ share of capital', pct),
      f('nonmonetary_capital', '非货币出资', 'Non-monetary capital', yuan),
      f('linked_nonmember_households', '带动非成员农户', 'Non-member households served', num),
    ],
  },
  {
    key: 'governance',
    label: { zh: '组织治理（三会）', en: 'Governance' },
    fields: [
      f('board_exists', '设理事会', 'Board exists', bool),
      f('supervisor_type', '监事设置', 'Supervision', vocab('supervisor_type')),
      f('rep_assembly', '设成员代表大会', 'Representative assembly', bool),
      f('meetings', '会议记录', 'Meetings', {
        t: 'records',
        fields: [
          f('meeting_type', '会议类型', 'Type', vocab('meeting_type')),
          f('date', '日期', 'Date', text),
          f('attendees', '到会人数', 'Attendees', num),
          f('minutes_signed', '记录已签字', 'Minutes signed', bool),
          f('photos', '照片', 'Photos', photos),
        ],
      }),
      f('affairs_disclosed', '社务公开', 'Affairs disclosed', bool),
      f('party_org', '党组织', 'Party organisation', vocab('party_org')),
      f('conflict_roles_ok', '任职无冲突', 'No conflicting roles', bool),
    ],
  },
  {
    key: 'finance',
    label: { zh: '财务管理', en: 'Finance' },
    fields: [
      f('bookkeeping', '会计', 'Bookkeeping', vocab('bookkeeping')),
      f('cashier_separate', '会计出纳分设', 'Separate cashier', bool),
      f('member_accounts', '成员账户', 'Member accounts', bool),
      f('fin_statements_last_year', '上年度财务报表', 'Statements last year', bool),
      f('revenue_last_year', '上年度经营收入', 'Revenue last year', yuan),
      f('revenue_with_members', '与成员交易额', 'Trade with members', yuan),
      f('distributable_surplus', '可分配盈余', 'Distributable surplus', yuan),
      f('rebate_by_transaction', '按交易量返还', 'Rebate by transactions', yuan),
      f('dividend_by_capital', '按出资分红', 'Dividend by capital', yuan),
      f('subsidies_received', '财政补助', 'Subsidies', {
        t: 'records',
        fields: [
          f('year', '年度', 'Year', num),
          f('source_dept', '来源部门', 'Department', text),
          f('project', '项目', 'Project', text),
          f('amount', '金额', 'Amount', yuan),
          f('asset_exists', '资产在', 'Asset exists', bool),
          f('asset_in_use', '资产在用', 'Asset in use', bool),
          f('quantified_to_members', '量化到成员', 'Quantified to members', bool),
          f('photos', '照片', 'Photos', photos),
        ],
      }),
      f('loans', '贷款', 'Loans', {
        t: 'records',
        fields: [
          f('lender', '贷款机构', 'Lender', text),
          f('amount', '金额', 'Amount', yuan),
          f('status', '状态', 'Status', vocab('loan_status')),
        ],
      }),
      f('credit_rating', '信用等级', 'Credit rating', text),
    ],
  },
  {
    key: 'operations',
    label: { zh: '生产经营与服务', en: 'Operations and services' },
    fields: [
      f('last_substantive_transaction_date', '最近一次实质交易日期', 'Last substantive transaction', text),
      f('last_transaction_photos', '交易凭证照片', 'Transaction photos', photos),
      f('inactive_reason', '停业原因', 'Why inactive', vocab('inactive_reason')),
      f('manager_willing_to_upgrade', '负责人愿意规范提升', 'Manager willing to improve', bool),
      f('base_area_mu', '基地面积', 'Base area', { t: 'number', unit: '亩' }),
      f('base_in_use', '基地在用', 'Base in use', bool),
      f('base_photos', '基地照片', 'Base photos', photos),
      f('unified_input_purchase_pct', '统一购买农资比例', 'Joint input purchase', pct),
      f('unified_sales_pct', '统一销售比例', 'Joint sales', pct),
      f('brand_registered', '注册商标', 'Registered brand', bool),
      f('certifications', '认证', 'Certifications', vocabList('certification')),
      f('traceability', '质量追溯', 'Traceability', bool),
      f('sales_channels', '销售渠道', 'Sales channels', vocabList('sales_channel')),
      f('digital_services_used', '使用的数字化服务', 'Digital services used', { t: 'textList' }),
      f('services_from_gxs', '供销社提供的服务', 'Services from the 供销社', vocabList('gxs_service')),
    ],
  },
  {
    key: 'gxs_link',
    label: { zh: '与供销社、农合联的联系', en: 'Links to 供销社 and 农合联' },
    fields: [
      f('gxs_relation', '供销社关系', 'Relation to the 供销社', vocab('gxs_relation')),
      f('gxs_equity', '供销社出资', '供销社 equity', yuan),
      f('nhl_membership', '农合联会员', '农合联 membership', vocabList('nhl_level')),
      f('nhl_member_since', '入会日期', 'Member since', text),
      f('in_union_or_industry_federation', '加入联合社或产业农合联', 'In a union or industry federation', bool),
    ],
  },
  {
    key: 'risk',
    label: { zh: '风险与合规', en: 'Risk and compliance' },
    fields: [
      f('illegal_finance_signs', '非法金融迹象', 'Signs of illegal finance', bool),
      f('illegal_finance_notes', '非法金融说明', 'Notes on illegal finance', text),
      f('complaints', '举报投诉', 'Complaints', {
        t: 'records',
        fields: [
          f('date', '日期', 'Date', text),
          f('source', '来源', 'Source', text),
          f('substantiated', '属实', 'Substantiated', bool),
        ],
      }),
      f('env_or_quality_violation', '环境或质量违法', 'Environment or quality violation', bool),
      f('land_rent_or_wage_arrears', '拖欠地租或工资', 'Land rent or wage arrears', bool),
      f('penalties', '行政处罚', 'Penalties', { t: 'textList' }),
    ],
  },
  {
    key: 'recognition',
    label: { zh: '荣誉与等级', en: 'Recognition' },
    fields: [
      f('demo_level', '示范社级别', 'Model cooperative level', vocab('demo_level')),
      f('demo_year', '示范社年度', 'Model cooperative year', num),
      f('guifan_level', '规范社等级', '规范社 level', text),
      f('star_current', '当前星级', 'Current stars', num),
      f('star_year', '星级年度', 'Star year', num),
      f('recognitions', '其他荣誉', 'Other recognitions', { t: 'textList' }),
    ],
  },
  {
    key: 'assessment',
    label: { zh: '辅导员评估', en: "Counsellor's assessment" },
    fields: [
      f('shell_flags', '空壳社情形', 'Shell flags', vocabList('shell_flag')),
      f('coop_state', '判定状态', 'State', vocab('coop_state')),
      f('recommended_actions', '建议处置', 'Recommended actions', vocabList('recommended_action')),
      f('override_reason', '改判理由', 'Reason for overriding', text),
      f('next_visit_due', '下次走访日期', 'Next visit due', text),
      f('evidence_photos', '证据照片', 'Evidence photos', photos),
      f('counsellor_signed', '辅导员已签字', 'Counsellor signed', bool),
      f('representative_name', '合作社代表', 'Representative', text),
      f('representative_signed', '合作社代表已签字', 'Representative signed', bool),
    ],
  },
]

/** The visit's own fields outside the form's sections. */
const visitFields: Record<string, Label> = {
  notes: { zh: '备注', en: 'Notes' },
  expected_photos: { zh: '走访照片', en: 'Photos of the visit' },
  status: { zh: '状态', en: 'Status' },
  created_at: { zh: '创建时间', en: 'Created' },
  submitted_at: { zh: '提交时间', en: 'Submitted' },
  author_user_id: { zh: '辅导员', en: 'Counsellor' },
  author_device_id: { zh: '设备', en: 'Device' },
}

/** The labels of the fields a change wrote, each field once (a position's parts count as the position). */
export function fieldLabels(paths: string[], lang: string): string {
  const fields = paths.map((p) => p.split('.').filter((x) => x !== 'visits' && !/^[0-9a-f-]{36}$/.test(x)).slice(0, 2).join('.'))
  return [...new Set(fields.map((f) => pathLabel(f, lang)))].join('、')
}

/** The label of a field path such as `visits.<id>.membership.members_total`, for conflicts and diffs. */
export function pathLabel(path: string, lang: string): string {
  const parts = path.split('.').filter((p) => p !== 'visits' && !/^[0-9a-f-]{36}$/.test(p))
  const pick = (l: Label) => (lang === 'en' ? l.en : l.zh)
  const own = visitFields[parts[0]]
  if (own) return lang === 'en' ? own.en : own.zh
  const section = visitSections.find((s) => s.key === parts[0])
  if (!section) return parts.join(' › ')
  const field = section.fields.find((x) => x.key === parts[1])
  const rest = parts.slice(field ? 2 : 1)
  return [pick(section.label), field ? pick(field.label) : '', ...rest].filter(Boolean).join(' › ')
}
