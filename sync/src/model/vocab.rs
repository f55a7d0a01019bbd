//! Controlled vocabularies of the visit form (RULES.md §4) and the cooperative states (§1.3).

vocabulary!(
    /// Why the counsellor went.
    pub enum VisitType {
        Baseline = ("baseline", "摸底排查"),
        Routine = ("routine", "日常联系"),
        StarRecheck = ("star_recheck", "星级复核"),
        FollowUp = ("follow_up", "整改回访"),
        ComplaintCheck = ("complaint_check", "举报核查"),
    }
);

vocabulary!(
    /// A visit is a draft until the counsellor submits it.
    pub enum VisitStatus {
        Draft = ("draft", "草稿"),
        Submitted = ("submitted", "已提交"),
        /// Withdrawn by its author; kept for the record, never counted.
        Discarded = ("discarded", "已作废"),
    }
);

vocabulary!(
    pub enum IntervieweeRole {
        Chair = ("chair", "理事长"),
        Supervisor = ("supervisor", "监事"),
        Accountant = ("accountant", "会计"),
        Member = ("member", "成员"),
        VillageCommittee = ("village_committee", "村两委"),
        NeighbouringFarmer = ("neighbouring_farmer", "周边农户"),
    }
);

vocabulary!(
    pub enum RegistrationStatus {
        Active = ("active", "存续"),
        Revoked = ("revoked", "吊销"),
        Deregistered = ("deregistered", "注销"),
    }
);

vocabulary!(
    pub enum Industry {
        Crops = ("crops", "种植"),
        Livestock = ("livestock", "畜牧"),
        Fisheries = ("fisheries", "渔业"),
        Forestry = ("forestry", "林业"),
        Machinery = ("machinery", "农机"),
        PlantProtection = ("plant_protection", "植保"),
        GeneralServices = ("general_services", "综合服务"),
        LeisureFarming = ("leisure_farming", "休闲农业"),
        Other = ("other", "其他"),
    }
);

vocabulary!(
    pub enum TaxFilingStatus {
        Normal = ("normal", "正常"),
        ZeroFiling = ("zero_filing", "零申报"),
        NotFiled = ("not_filed", "未申报"),
        AbnormalTaxpayer = ("abnormal_taxpayer", "非正常户"),
    }
);

vocabulary!(
    pub enum SupervisorType {
        Board = ("board", "监事会"),
        SingleSupervisor = ("single_supervisor", "执行监事"),
        None = ("none", "无"),
    }
);

vocabulary!(
    pub enum MeetingType {
        GeneralMeeting = ("general_meeting", "成员大会"),
        RepresentativeAssembly = ("representative_assembly", "成员代表大会"),
        Board = ("board", "理事会"),
        SupervisoryBoard = ("supervisory_board", "监事会"),
    }
);

vocabulary!(
    pub enum PartyOrganisation {
        Own = ("own", "独立党组织"),
        Joint = ("joint", "联合党组织"),
        Alliance = ("alliance", "党建联盟"),
        None = ("none", "无"),
    }
);

vocabulary!(
    pub enum Bookkeeping {
        FullTime = ("full_time", "专职会计"),
        PartTime = ("part_time", "兼职"),
        Agency = ("agency", "代理记账"),
        None = ("none", "无"),
    }
);

vocabulary!(
    pub enum LoanStatus {
        Current = ("current", "正常"),
        Overdue = ("overdue", "逾期"),
        SeriouslyOverdue = ("seriously_overdue", "严重逾期"),
    }
);

vocabulary!(
    pub enum InactiveReason {
        None = ("none", "无"),
        NaturalDisaster = ("natural_disaster", "自然灾害"),
        Market = ("market", "市场"),
        Funding = ("funding", "资金"),
        ManagerIncident = ("manager_incident", "负责人变故"),
        Policy = ("policy", "政策"),
        Other = ("other", "其他"),
    }
);

vocabulary!(
    pub enum Certification {
        Green = ("green", "绿色"),
        Organic = ("organic", "有机"),
        GeographicIndication = ("geographic_indication", "地理标志"),
        PollutionFree = ("pollution_free", "无公害"),
        SpecialQuality = ("special_quality", "名特优新"),
    }
);

vocabulary!(
    pub enum SalesChannel {
        Supermarket = ("supermarket", "超市"),
        ECommerce = ("e_commerce", "电商"),
        CommunityGroupBuying = ("community_group_buying", "社区团购"),
        WholesaleMarket = ("wholesale_market", "农批"),
        LeadingEnterprise = ("leading_enterprise", "龙头企业"),
        GxsNetwork = ("gxs_network", "供销网络"),
    }
);

vocabulary!(
    pub enum GxsService {
        JointInputPurchase = ("joint_input_purchase", "农资统采"),
        SeedlingRaising = ("seedling_raising", "育秧育苗"),
        StorageProcessing = ("storage_processing", "收储加工"),
        JointSales = ("joint_sales", "集中销售"),
        GroupCredit = ("group_credit", "集体授信"),
        Bookkeeping = ("bookkeeping", "会计代理"),
        LabourBrokerage = ("labour_brokerage", "劳务中介"),
    }
);

vocabulary!(
    /// How the 供销社 is involved with the cooperative.
    pub enum GxsRelation {
        CoRun = ("co_run", "参办"),
        Led = ("led", "领办"),
        ServiceLinked = ("service_linked", "服务带动"),
        HelpedFound = ("helped_found", "引导创办"),
        None = ("none", "无"),
    }
);

vocabulary!(
    pub enum NhlLevel {
        County = ("county", "县级"),
        Township = ("township", "乡镇"),
        Industry = ("industry", "产业农合联"),
    }
);

vocabulary!(
    pub enum SafetyIncident {
        None = ("none", "无"),
        Minor = ("minor", "一般"),
        Significant = ("significant", "较大"),
        Major = ("major", "重大"),
    }
);

vocabulary!(
    pub enum DemoLevel {
        None = ("none", "无"),
        County = ("county", "县"),
        City = ("city", "市"),
        Province = ("province", "省"),
        National = ("national", "国家"),
        GxsNational = ("gxs_national", "全国供销合作社系统示范社"),
    }
);

vocabulary!(
    /// The shell-cooperative categories of 中农发〔2019〕3号 (RULES.md §1.2).
    pub enum ShellFlag {
        S1 = ("s1", "无农民成员实际参与"),
        S2 = ("s2", "无实质性生产经营活动"),
        S3 = ("s3", "因经营不善停止运行"),
        S4 = ("s4", "涉嫌骗取套取财政奖补和项目资金"),
        S5 = ("s5", "群众举报的违法违规线索"),
        S6 = ("s6", "从事非法金融活动"),
    }
);

vocabulary!(
    /// Engine states of RULES.md §1.3.
    pub enum CoopState {
        ActiveStandard = ("active_standard", "正常运行规范"),
        ActiveNonstandard = ("active_nonstandard", "运行不规范"),
        DormantRecoverable = ("dormant_recoverable", "休眠可恢复"),
        Shell = ("shell", "空壳社"),
        FraudRisk = ("fraud_risk", "涉嫌违法风险"),
    }
);

vocabulary!(
    pub enum RecommendedAction {
        Standardise = ("standardise", "规范提升"),
        TargetedAssistance = ("targeted_assistance", "专项帮扶"),
        EndSponsorship = ("end_sponsorship", "解除参办领办"),
        RemoveNhlMembership = ("remove_nhl_membership", "取消农合联会员"),
        PushDeregistration = ("push_deregistration", "推动注销"),
        ReferForInvestigation = ("refer_for_investigation", "移送查处"),
        ApplyForStarRating = ("apply_for_star_rating", "星级申报"),
    }
);

vocabulary!(
    /// What the counsellor saw of the cooperative's operation on the day.
    pub enum OperatingStatus {
        Operating = ("operating", "正常经营"),
        Seasonal = ("seasonal", "季节性停工"),
        Stopped = ("stopped", "停止经营"),
        Unreachable = ("unreachable", "无法联系"),
    }
);

vocabulary!(
    /// Coordinate system of a position: phones report WGS-84, Chinese maps use GCJ-02.
    pub enum Datum {
        Wgs84 = ("wgs84", "WGS-84"),
        Gcj02 = ("gcj02", "GCJ-02"),
    }
);

vocabulary!(
    /// Where a visit stands in review (ARCHITECTURE.md §7). Approval at every configured level makes it approved.
    pub enum ReviewState {
        Pending = ("pending", "待审核"),
        Approved = ("approved", "已通过"),
        /// Sent back to its author with a note; the author fixes it and submits again.
        Returned = ("returned", "退回修改"),
        /// Not accepted as evidence; final.
        Rejected = ("rejected", "不予采信"),
    }
);

vocabulary!(
    /// Why a visit is pending review.
    pub enum PendingReason {
        Submitted = ("submitted", "新提交"),
        /// Returned for correction, fixed and submitted again.
        Resubmitted = ("resubmitted", "修改后重新提交"),
        /// Changed by its author after an approval, which the change undid.
        EditedAfterApproval = ("edited_after_approval", "通过后又被修改"),
        /// An approval was withdrawn.
        Unapproved = ("unapproved", "已撤销通过"),
    }
);
