//! End-to-end tests of the mapped store: one conformance suite run on every backend
//! (SQLite always; PostgreSQL and MySQL when their feature is on: their tests exist only
//! then, and fail when the server's URL is not set, see `support`), plus what is particular
//! to SQLite.

mod support;

mod asynchronous;
mod binary;
mod crash;
mod derived;
mod documents;
mod dynamic;
mod evolution;
mod expiry;
mod exported;
mod family;
mod generated;
mod hostile;
mod http;
mod keys;
mod layout;
mod matrix;
mod names;
mod namespaces;
mod operations;
mod positional;
mod processing;
mod query;
mod replication;
#[cfg(any(feature = "postgres", feature = "mysql"))]
mod servers;
mod shapes;
mod shared;
mod shop;
mod sqlite;
mod transactions;
mod typed;

/// Generates one `#[test]` per case for each backend.
macro_rules! conformance {
    ($($case:ident :: $name:ident),* $(,)?) => {
        mod on_sqlite {
            $(#[test] fn $name() { crate::support::run(crate::support::Kind::Sqlite, crate::$case::$name) })*
        }
        #[cfg(feature = "postgres")]
        mod on_postgres {
            $(#[test] fn $name() { crate::support::run(crate::support::Kind::Postgres, crate::$case::$name) })*
        }
        #[cfg(feature = "mysql")]
        mod on_mysql {
            $(#[test] fn $name() { crate::support::run(crate::support::Kind::Mysql, crate::$case::$name) })*
        }
    };
}

conformance!(
    shared::large_binary_values_are_stored_once,
    shared::shared_values_follow_a_model_through_random_writes,
    shared::removals_release_shared_values,
    shared::writers_side_by_side_share_values,
    shared::sharing_turned_on_and_off_keeps_every_value,
    shared::damaged_shared_values_are_reported,
    shared::namespaces_and_replicas_share_on_their_own,
    shared::sharing_through_exported_files_run_by_diesel,
    shared::typed_writes_and_inserts_share_values,
    derived::checked_document_shapes_round_trip,
    derived::unchecked_fields_are_validated_when_saved,
    binary::binary_values_round_trip_typed_and_as_json,
    binary::bad_binary_values_are_refused_with_nothing_written,
    namespaces::namespaces_keep_stores_apart_side_by_side,
    namespaces::each_namespace_migrates_on_its_own,
    namespaces::namespace_names_are_checked_and_nothing_is_made,
    namespaces::stores_of_many_namespaces_start_together,
    namespaces::a_follower_hears_its_namespace_alone,
    namespaces::json_stores_keep_namespaces_apart,
    namespaces::exported_files_of_a_namespace_change_it_alone,
    namespaces::an_interrupted_rebuild_stops_its_namespace_alone,
    expiry::a_purger_frees_expired_aggregates_in_the_background,
    expiry::expired_aggregates_vanish_and_are_purged,
    expiry::saving_beyond_the_cap_removes_the_oldest,
    expiry::expiry_joins_a_stored_type_and_bad_mappings_are_refused,
    replication::a_watched_query_gives_each_new_result,
    replication::a_killed_replicator_loses_and_repeats_nothing,
    replication::the_log_says_everything_each_write_did,
    replication::a_replica_holds_what_the_source_holds,
    replication::feeds_refuse_bad_names_and_disorder,
    replication::a_snapshot_and_the_changes_after_it_restore_the_store,
    replication::logged_diffs_name_removals_and_stamps,
    http::the_http_service_maps_every_call_and_error,
    http::a_request_without_a_connection_is_503,
    operations::pool_stats_count_checkouts_waits_and_timeouts,
    operations::the_stores_tell_tracing_what_they_do,
    operations::scratch_databases_are_separate_and_dropped,
    operations::a_follower_sees_every_change_once_in_order,
    operations::following_resumes_exactly_and_pruning_removes,
    operations::an_idle_follower_is_woken_by_commits,
    asynchronous::the_async_store_does_what_the_blocking_one_does,
    asynchronous::many_tasks_share_the_pool,
    asynchronous::a_dropped_call_finishes_whole_or_not_at_all,
    asynchronous::the_runtime_runs_while_a_call_waits,
    asynchronous::the_async_processor_applies_every_event,
    asynchronous::an_async_follower_sees_every_change,
    asynchronous::an_idle_async_follower_is_woken_by_commits,
    generated::inserts_make_the_keys_the_mapping_asks_for,
    generated::own_keys_and_generated_keys_live_together,
    generated::writes_other_than_insert_need_the_key,
    generated::typed_inserts_return_the_stored_entity,
    generated::generated_keys_in_transactions_and_the_change_log,
    generated::concurrent_inserts_get_distinct_keys,
    generated::a_key_that_becomes_generated_keeps_the_rows,
    generated::keys_at_the_edge_never_overwrite,
    query::diesel_tables_hold_every_column,
    query::aggregates_agree_with_the_model,
    query::typed_measures_answer_what_json_aggregates_answer,
    query::a_typed_watch_gives_typed_pages,
    query::typed_builder_queries_mean_what_json_ones_mean,
    transactions::save_modes_check_existence_atomically,
    transactions::a_failed_transaction_leaves_everything_untouched,
    transactions::a_transaction_commits_everything_together,
    transactions::a_failed_call_inside_a_transaction_is_undone_alone,
    transactions::a_store_call_inside_with_connection_is_refused,
    transactions::concurrent_transactions_take_turns,
    query::queries_agree_with_the_model,
    query::every_operator_agrees_with_the_model,
    query::pages_stay_correct_while_rows_change,
    query::loads_by_many_ids_keep_their_order,
    query::typed_queries_return_entities,
    query::bad_queries_name_their_json_pointer,
    query::a_page_takes_one_query_per_level,
    query::sqlite_filters_use_the_mapping_indexes,
    positional::processor_diffs_write_positional_arrays,
    positional::long_positional_arrays_shrink_and_grow,
    positional::children_without_ids_are_kept_in_order_position_by_position,
    positional::positional_children_round_trip_typed,
    evolution::a_leaf_type_that_gains_an_array_is_rebuilt_keeping_its_rows,
    layout::an_earlier_layout_of_a_recursive_type_is_rebuilt,
    layout::a_start_after_an_interrupted_rebuild_names_the_copies_and_changes_nothing,
    layout::an_earlier_layout_of_child_keys_is_rebuilt_keeping_every_row,
    layout::the_exported_rebuild_of_an_earlier_layout_runs_and_reverts,
    processing::racing_mounts_of_a_new_instance_all_see_the_winner,
    evolution::a_type_change_that_converts_values_needs_naming,
    hostile::the_json_store_refuses_what_no_backend_stores,
    evolution::declared_renames_keep_the_data,
    crash::a_killed_save_leaves_the_old_or_the_new_aggregate,
    processing::eight_writers_of_one_versioned_counter_all_succeed,
    processing::writers_of_different_aggregates_never_fail,
    exported::exported_files_run_by_diesel_keep_every_row,
    evolution::a_property_becoming_required_with_a_default_fills_existing_nulls,
    hostile::a_foreign_table_of_the_same_name_is_refused_at_connect,
    evolution::an_older_binary_works_on_a_database_a_newer_one_extended,
    hostile::keys_compare_exactly,
    hostile::child_ids_are_local_to_their_array_at_every_level,
    evolution::replicas_starting_together_all_connect,
    hostile::nul_characters_are_refused_before_writing_on_every_backend,
    hostile::documents_deeper_than_the_limit_are_refused_and_the_limit_round_trips,
    hostile::huge_ids_and_keys_are_quoted_as_a_bounded_prefix,
    hostile::a_version_that_cannot_be_incremented_is_refused,
    hostile::positions_must_name_an_array,
    hostile::racing_first_saves_of_a_versioned_aggregate_are_a_version_conflict,
    matrix::every_column_kind_through_every_statement,
    dynamic::todo_list_round_trips_in_order_and_reorders,
    dynamic::no_foreign_key_or_position_leaks_into_children,
    dynamic::two_parents_hold_children_with_the_same_id,
    dynamic::todo_is_both_a_top_level_aggregate_and_a_child,
    dynamic::delete_removes_children_by_cascade,
    dynamic::a_failure_on_the_nth_child_leaves_the_old_aggregate,
    dynamic::bad_input_is_rejected_with_type_id_and_pointer_and_nothing_is_written,
    dynamic::opening_twice_is_idempotent_and_keeps_data,
    dynamic::one_store_serves_many_threads,
    dynamic::long_lists_are_written_in_several_batches,
    dynamic::writing_only_changed_children_equals_a_full_replace,
    typed::typed_round_trip,
    typed::a_typed_save_writes_what_its_scope_names,
    processing::mount_events_and_patches,
    processing::a_dry_run_writes_nothing,
    processing::subscribers_hear_only_committed_changes,
    processing::no_update_is_lost_under_contention,
    processing::a_stale_save_fails_with_both_versions,
    processing::two_writers_lose_nothing_thanks_to_versions,
    processing::the_change_log_is_complete_and_in_order,
    processing::timestamps_record_creation_and_last_save,
    family::the_mapped_store_passes_the_exported_suite,
    family::the_json_store_passes_the_exported_suite,
    family::the_json_store_reports_a_corrupt_document,
    family::every_store_gives_a_partial_diff_the_same_meaning,
    keys::declared_indexes_exist,
    names::odd_names_round_trip,
    keys::a_unique_key_violation_names_the_key_and_writes_nothing,
    evolution::additive_changes_apply_on_connect_and_keep_the_data,
    evolution::destructive_changes_are_refused_with_their_sql,
    evolution::a_removal_drops_nothing_until_it_is_named,
    evolution::defaults_fill_left_out_properties_and_new_columns,
    evolution::an_explicit_opt_in_alters_a_parent_table_and_keeps_its_children,
    evolution::an_explicit_opt_in_replaces_a_changed_check,
    evolution::a_failed_additive_migration_leaves_the_database_as_it_was,
    derived::derived_entities_round_trip_and_match_the_json_shape,
    documents::every_shape_round_trips,
    documents::generated_types_match_the_documents,
    documents::documents_are_validated_against_their_shape,
    documents::date_times_are_instants_in_timestamp_columns,
    documents::children_with_documents_are_updated_in_batches,
    documents::children_with_timestamps_are_updated_in_place,
    documents::the_database_checks_enums_and_bounds_too,
    shapes::a_recursive_type_round_trips,
    shapes::foreign_key_overrides_let_one_parent_hold_two_arrays_of_one_type,
    shop::tables_columns_and_foreign_keys_follow_the_rules,
    shop::grandchildren_reserved_words_and_nullable_scalars_round_trip,
    shop::integers_stay_integers_and_integer_ids_work,
    shop::deleting_a_person_removes_pets_and_toys,
    shop::two_people_may_each_have_pets_with_the_same_ids,
    shop::generated_structs_use_snake_case_fields_and_schema_names_on_the_wire,
    shop::a_float_json_cannot_carry_is_refused_not_nulled,
    shop::statements_are_prepared_once_and_loads_take_one_query_per_level,
);
