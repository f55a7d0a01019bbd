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

diesel::joinable!(user_regions -> users (user_id));
diesel::joinable!(user_regions -> regions (region_code));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(cooperatives -> regions (region_code));

diesel::allow_tables_to_appear_in_same_query!(
    regions,
    users,
    user_regions,
    devices,
    sessions,
    refresh_tokens,
    cooperatives,
    audit_log,
    settings,
);
