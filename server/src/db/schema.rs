//! The portable schema shared by both backends (see `migrations/`).

diesel::table! {
    regions (code) {
        code -> Text,
        name -> Text,
        level -> Text,
        parent_code -> Nullable<Text>,
        path -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Text,
        phone -> Nullable<Text>,
        is_active -> Bool,
        failed_logins -> BigInt,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    user_regions (user_id, region_code) {
        user_id -> Text,
        region_code -> Text,
    }
}

diesel::table! {
    device_actors (actor) {
        actor -> Text,
        device_id -> Text,
        bound_at -> Timestamp,
    }
}

diesel::table! {
    devices (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        platform -> Text,
        app_version -> Text,
        actor_id -> Text,
        created_at -> Timestamp,
        last_seen_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        revoked_by -> Nullable<Text>,
        revoke_reason -> Nullable<Text>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        device_id -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoke_reason -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        session_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    cooperatives (id) {
        id -> Text,
        uscc -> Nullable<Text>,
        name -> Text,
        legal_representative -> Nullable<Text>,
        registration_date -> Nullable<Text>,
        address -> Nullable<Text>,
        region_code -> Text,
        region_path -> Text,
        industry -> Nullable<Text>,
        gxs_relation -> Text,
        nhl_county -> Bool,
        nhl_township -> Bool,
        nhl_industry -> Bool,
        star_level -> Nullable<BigInt>,
        annual_report_filed -> Nullable<Bool>,
        on_abnormal_list -> Nullable<Bool>,
        member_count -> Nullable<BigInt>,
        source -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        verification -> Text,
        claimed_uscc -> Nullable<Text>,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        coordinate_system -> Nullable<Text>,
        merged_into -> Nullable<Text>,
        org_kind -> Text,
        guifan_level -> Nullable<Text>,
        demo_level -> Nullable<Text>,
        demo_year -> Nullable<BigInt>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_user_id -> Nullable<Text>,
        actor_device_id -> Nullable<Text>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    documents (cooperative_id) {
        cooperative_id -> Text,
        heads -> Text,
        version -> BigInt,
        snapshot -> Nullable<Binary>,
        snapshot_bytes -> BigInt,
        chunk_bytes -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    document_chunks (id) {
        id -> BigInt,
        cooperative_id -> Text,
        data -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    document_changes (hash) {
        hash -> Text,
        cooperative_id -> Text,
        actor -> Text,
        device_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
        claimed_at -> Nullable<Timestamp>,
        received_at -> Timestamp,
    }
}

diesel::table! {
    sync_states (cooperative_id, device_id) {
        cooperative_id -> Text,
        device_id -> Text,
        state -> Binary,
        offered_heads -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    quarantines (id) {
        id -> Text,
        cooperative_id -> Text,
        device_id -> Text,
        code -> Text,
        reason_zh -> Text,
        reason_en -> Text,
        path -> Nullable<Text>,
        created_at -> Timestamp,
        released_at -> Nullable<Timestamp>,
        released_by -> Nullable<Text>,
    }
}

diesel::table! {
    device_documents (device_id, cooperative_id) {
        device_id -> Text,
        cooperative_id -> Text,
    }
}

diesel::table! {
    cooperative_profiles (cooperative_id) {
        cooperative_id -> Text,
        data -> Text,
        operating_status -> Nullable<Text>,
        heads -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    visits (id) {
        id -> Text,
        cooperative_id -> Text,
        author_user_id -> Nullable<Text>,
        author_device_id -> Nullable<Text>,
        status -> Text,
        visit_type -> Nullable<Text>,
        visit_date -> Nullable<Text>,
        device_created_at -> Nullable<Timestamp>,
        submitted_at -> Nullable<Timestamp>,
        data -> Text,
        updated_at -> Timestamp,
        photos_expected -> BigInt,
        photos_received -> BigInt,
    }
}

diesel::table! {
    conflicts (id) {
        id -> Text,
        cooperative_id -> Text,
        path -> Text,
        candidates -> Text,
        detected_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        resolved_by -> Nullable<Text>,
        resolution -> Nullable<Text>,
    }
}

diesel::table! {
    duplicate_candidates (id) {
        id -> Text,
        uscc -> Text,
        cooperative_id -> Text,
        duplicate_of -> Text,
        detected_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        resolved_by -> Nullable<Text>,
        outcome -> Nullable<Text>,
    }
}

diesel::table! {
    uploads (id) {
        id -> Text,
        device_id -> Text,
        user_id -> Text,
        sha256 -> Text,
        length -> BigInt,
        received -> BigInt,
        metadata -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    upload_pieces (upload_id, start_offset) {
        upload_id -> Text,
        start_offset -> BigInt,
        data -> Binary,
    }
}

diesel::table! {
    photos (sha256) {
        sha256 -> Text,
        bytes -> BigInt,
        mime -> Text,
        width -> BigInt,
        height -> BigInt,
        exif_taken_at -> Nullable<Timestamp>,
        exif_latitude -> Nullable<Double>,
        exif_longitude -> Nullable<Double>,
        perceptual_hash -> BigInt,
        device_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
        received_at -> Timestamp,
    }
}

diesel::table! {
    visit_photos (visit_id, sha256) {
        visit_id -> Text,
        cooperative_id -> Text,
        sha256 -> Text,
        field -> Text,
        device_taken_at -> Nullable<Timestamp>,
        device_latitude -> Nullable<Double>,
        device_longitude -> Nullable<Double>,
        caption -> Nullable<Text>,
    }
}

diesel::table! {
    evidence_flags (visit_id, code, sha256) {
        visit_id -> Text,
        cooperative_id -> Text,
        code -> Text,
        sha256 -> Text,
        detail -> Text,
        detected_at -> Timestamp,
    }
}

diesel::table! {
    visit_reviews (visit_id) {
        visit_id -> Text,
        cooperative_id -> Text,
        state -> Text,
        pending_reason -> Nullable<Text>,
        approved_levels -> Text,
        awaiting_level -> Nullable<Text>,
        note -> Nullable<Text>,
        reviewer_user_id -> Nullable<Text>,
        approved_heads -> Nullable<Text>,
        times_returned -> BigInt,
        content_digest -> Text,
        returned_submitted_at -> Nullable<BigInt>,
        submitted_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    review_events (id) {
        id -> Text,
        visit_id -> Text,
        cooperative_id -> Text,
        kind -> Text,
        level -> Nullable<Text>,
        note -> Nullable<Text>,
        user_id -> Nullable<Text>,
        device_id -> Nullable<Text>,
        heads -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::table! {
    monthly_figures (scope, month) {
        scope -> Text,
        month -> Text,
        tables_json -> Text,
        frozen_at -> Timestamp,
    }
}

diesel::table! {
    monthly_reports (id) {
        id -> Text,
        region_code -> Text,
        month -> Text,
        status -> Text,
        narrative -> Text,
        cases_json -> Text,
        written_by -> Text,
        filed_by -> Nullable<Text>,
        filed_at -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_note -> Nullable<Text>,
        version -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    metric_values (region_code, metric, month) {
        region_code -> Text,
        metric -> Text,
        month -> Text,
        value -> Double,
        source -> Text,
        note -> Nullable<Text>,
        entered_by -> Text,
        entered_at -> Timestamp,
    }
}

diesel::table! {
    cooperative_assignments (id) {
        id -> Text,
        cooperative_id -> Text,
        counsellor_user_id -> Text,
        officer_user_id -> Nullable<Text>,
        note -> Nullable<Text>,
        assigned_by -> Text,
        assigned_at -> Timestamp,
        ended_by -> Nullable<Text>,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    approved_visits (visit_id) {
        visit_id -> Text,
        cooperative_id -> Text,
        data -> Text,
        heads -> Text,
        approved_by -> Text,
        approved_at -> Timestamp,
    }
}

diesel::table! {
    registry_facts (id) {
        id -> Text,
        cooperative_id -> Text,
        fact -> Text,
        value -> Bool,
        detail -> Nullable<Text>,
        as_of -> Text,
        source -> Text,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    complaints (id) {
        id -> Text,
        cooperative_id -> Text,
        source -> Text,
        reference -> Text,
        received_on -> Text,
        summary -> Text,
        substantiated -> Nullable<Bool>,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    cleanup_rule_sets (version) {
        version -> Text,
        rules_json -> Text,
        active -> Bool,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    classifications (id) {
        id -> Text,
        cooperative_id -> Text,
        rule_set_version -> Text,
        state -> Text,
        flags -> Text,
        findings_json -> Text,
        actions_json -> Text,
        explanation_zh -> Text,
        inputs_json -> Text,
        digest -> Text,
        revisit_due -> Nullable<Text>,
        classified_at -> Timestamp,
        current -> Bool,
        decision -> Nullable<Text>,
        decided_state -> Nullable<Text>,
        decision_reason -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    disposal_cases (id) {
        id -> Text,
        cooperative_id -> Text,
        classification_id -> Text,
        state -> Text,
        status -> Text,
        opened_by -> Text,
        opened_at -> Timestamp,
        closed_by -> Nullable<Text>,
        closed_at -> Nullable<Timestamp>,
        closing_note -> Nullable<Text>,
    }
}

diesel::table! {
    disposal_actions (id) {
        id -> Text,
        case_id -> Text,
        action -> Text,
        status -> Text,
        assignee_user_id -> Nullable<Text>,
        due_on -> Nullable<Text>,
        revisit_on -> Nullable<Text>,
        referred_to -> Nullable<Text>,
        note -> Nullable<Text>,
        updated_by -> Nullable<Text>,
        updated_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    district_targets (region_code, year, metric) {
        region_code -> Text,
        year -> BigInt,
        metric -> Text,
        target -> BigInt,
        source -> Text,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    scoring_models (version) {
        version -> Text,
        kind -> Text,
        model_toml -> Text,
        installed_by -> Nullable<Text>,
        installed_at -> Timestamp,
    }
}

diesel::table! {
    star_campaigns (id) {
        id -> Text,
        year -> BigInt,
        kind -> Text,
        model_version -> Text,
        name -> Text,
        status -> Text,
        opened_by -> Text,
        opened_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    star_applications (id) {
        id -> Text,
        campaign_id -> Text,
        cooperative_id -> Text,
        region_path -> Text,
        filed_by -> Text,
        filed_at -> Timestamp,
        status -> Text,
        manual_json -> Text,
        inputs_json -> Text,
        result_json -> Text,
        total -> Double,
        computed_star -> Nullable<BigInt>,
        explanation_zh -> Text,
        digest -> Text,
        proposed_star -> Nullable<BigInt>,
        awaiting_level -> Nullable<Text>,
        awarded_star -> Nullable<BigInt>,
        scored_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    star_reviews (id) {
        id -> Text,
        application_id -> Text,
        level -> Text,
        decision -> Text,
        stars -> Nullable<BigInt>,
        digest -> Text,
        note -> Nullable<Text>,
        reviewer_id -> Text,
        decided_at -> Timestamp,
    }
}

diesel::table! {
    star_awards (id) {
        id -> Text,
        cooperative_id -> Text,
        year -> BigInt,
        stars -> BigInt,
        application_id -> Text,
        model_version -> Text,
        awarded_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_by_event -> Nullable<Text>,
    }
}

diesel::table! {
    star_events (id) {
        id -> Text,
        cooperative_id -> Text,
        cause -> Text,
        occurred_on -> Text,
        description -> Text,
        source -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
        revoked_star -> Nullable<BigInt>,
    }
}

diesel::table! {
    star_bars (id) {
        id -> Text,
        cooperative_id -> Text,
        reason -> Text,
        from_day -> Text,
        until_day -> Text,
        event_id -> Nullable<Text>,
        application_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    login_failures (user_id, address) {
        user_id -> Text,
        address -> Text,
        failures -> BigInt,
        locked_until -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    photo_uploaders (sha256, device_id) {
        sha256 -> Text,
        device_id -> Text,
        user_id -> Nullable<Text>,
        uploaded_at -> Timestamp,
    }
}

diesel::joinable!(user_regions -> users (user_id));
diesel::joinable!(quarantines -> devices (device_id));
diesel::joinable!(devices -> users (user_id));
diesel::joinable!(device_actors -> devices (device_id));
diesel::joinable!(user_regions -> regions (region_code));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(cooperatives -> regions (region_code));
diesel::joinable!(upload_pieces -> uploads (upload_id));
diesel::joinable!(disposal_actions -> disposal_cases (case_id));
diesel::joinable!(classifications -> cooperatives (cooperative_id));
diesel::joinable!(star_applications -> star_campaigns (campaign_id));
diesel::joinable!(star_applications -> cooperatives (cooperative_id));
diesel::joinable!(star_awards -> cooperatives (cooperative_id));

diesel::allow_tables_to_appear_in_same_query!(
    cooperative_assignments,
    monthly_figures,
    monthly_reports,
    metric_values,
    regions,
    users,
    user_regions,
    devices,
    device_actors,
    sessions,
    refresh_tokens,
    cooperatives,
    audit_log,
    settings,
    documents,
    document_chunks,
    document_changes,
    sync_states,
    quarantines,
    device_documents,
    cooperative_profiles,
    visits,
    conflicts,
    duplicate_candidates,
    uploads,
    upload_pieces,
    photos,
    visit_photos,
    evidence_flags,
    visit_reviews,
    review_events,
    approved_visits,
    registry_facts,
    complaints,
    cleanup_rule_sets,
    classifications,
    disposal_cases,
    disposal_actions,
    district_targets,
    scoring_models,
    star_campaigns,
    star_applications,
    star_reviews,
    star_awards,
    star_events,
    star_bars,
    login_failures,
    photo_uploaders,
);
