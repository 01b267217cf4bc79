// Store: the ledger on disk, in SQLite (C API), WAL mode so that readers (CLI,
// web console) read while the sensor writes. Written in one transaction per
// flush, never per packet. The schema is versioned (PRAGMA user_version) with an
// ordered list of migrations; a database from a newer mieruka is refused.
//
// The SQL is kept portable (TEXT, INTEGER, BIGINT; INSERT ... ON CONFLICT ...
// DO UPDATE, which PostgreSQL speaks too) and every row carries the sensor that
// saw it, so that a central PostgreSQL can later hold every sensor's ledger.
//
// Errors at this edge are one line naming the database and what to do.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "inventory/policy/findings.hpp"
#include "inventory/ledger/ledger.hpp"
#include "inventory/store/sqlite_statement.hpp"

struct sqlite3;

namespace mieruka::inventory {

// Outcome of a store operation: empty error = success.
struct [[nodiscard]] StoreStatus {
  std::string error;  // one line: "<db>: what happened; what to do"
  [[nodiscard]] bool ok() const noexcept { return error.empty(); }
  explicit operator bool() const noexcept { return ok(); }
};

// A capture file already read, so that reading it again is skipped.
struct IngestedFile {
  std::string fingerprint;  // content hash chosen by the caller
  std::string path;
  std::uint64_t size = 0;
  std::uint64_t packets = 0;
  std::int64_t ingested_at_us = 0;
  // The end of the last whole record read (0: unknown), and head_fingerprint()
  // of the file's first bytes up to there: a grown file is continued from it.
  std::uint64_t read_to = 0;
  std::string head;
};

// One run of the sensor (read, capture, daemon).
struct RunRecord {
  std::int64_t started_us = 0, ended_us = 0;
  std::string command;  // "read a.pcap b.pcap", "capture -i eth1"
  std::uint64_t packets = 0, drops = 0;
};

// A scheduled snapshot the daemon took (kept when retention prunes the snapshot).
struct ReviewRecord {
  std::int64_t taken_us = 0;
  std::string snapshot, previous;
};

// What the store shows of how the ledger was reviewed between two times: the
// evidence behind checklist levels 4 and 5 (inventory/report/checklist.hpp).
struct ReviewFacts {
  std::int64_t from_us = 0, to_us = 0;
  std::uint64_t scheduled = 0;          // scheduled snapshots taken in the period
  std::int64_t first_scheduled_us = 0;  // the first one ever taken (0: none)
  std::int64_t monitored_us = 0;        // time inside the period covered by live capture (`capture`, `run`)
  std::uint64_t packets = 0, drops = 0; // counted by the runs that overlap the period
  // Outbox messages (one per channel) queued in the period, and those accepted.
  std::uint64_t diffs_queued = 0, diffs_delivered = 0;
  std::uint64_t alerts_queued = 0, alerts_delivered = 0;
};

// An imported advisory as stored: `doc` is inventory/advisories to_json.
struct StoredAdvisory {
  std::string id, source, revision, current_release, title, doc;
  std::int64_t imported_us = 0;  // first imported
  std::int64_t updated_us = 0;   // this revision stored
};
// What importing one advisory did.
enum class AdvisoryImport : std::uint8_t {
  added,       // not known before
  updated,     // a newer revision, or the same one read again
  kept_newer,  // the stored revision is newer: left as it is
};

// Orders two revisions of one advisory: by current_release (ISO 8601), then by
// revision (tracking.version, "2" or "1.0.1", compared number by number).
// <0: a is older, 0: the same, >0: a is newer.
[[nodiscard]] int compare_revisions(std::string_view a_release, std::string_view a_revision,
                                    std::string_view b_release, std::string_view b_revision);

// One record of this sensor changed since it was last sent to the central
// store (sensor/central): its kind ("asset", "edge", ...; replication.hpp),
// its key, and a version that only grows (the change log's sequence).
struct ChangeRecord {
  std::int64_t seq = 0;
  std::string kind, key;
  std::int64_t changed_us = 0;
};
// A row of a replicated table as text (SQLite's own rendering of numbers);
// nullopt is NULL.
using ReplicaRow = std::vector<std::optional<std::string>>;
// The oldest pending changes and the state of their records, read in one
// transaction: rows[t] holds the rows of kReplicatedTables[t] belonging to the
// changed records; a change whose record is absent from its parent table is a
// deletion.
struct ChangeBatch {
  std::vector<ChangeRecord> changes;
  std::vector<std::vector<ReplicaRow>> rows;
  std::uint64_t remaining = 0;          // changes in the log after these
  std::int64_t oldest_remaining_us = 0; // when the oldest of those was made (0: none)
};

class Store {
 public:
  // The schema version this binary writes (the number of migrations).
  [[nodiscard]] static int schema_version() noexcept;

  // Opens (and with `create`, creates) the database at `path`, applies pending
  // migrations, and tags every record it writes with `sensor_name`. Without
  // `create`, a missing, empty, non-SQLite or non-mieruka file is refused before
  // anything is written to it. A database this user cannot write is refused.
  // On failure returns nullopt and sets `error` to one line.
  [[nodiscard]] static std::optional<Store> open(const std::string& path, std::string sensor_name, std::string& error,
                                                 bool create = true);
  // For commands that only read: refuses what open() without `create` refuses,
  // and a schema older than this binary's (a reader does not migrate); then no
  // statement on this connection can write (PRAGMA query_only).
  [[nodiscard]] static std::optional<Store> open_reader(const std::string& path, std::string sensor_name,
                                                        std::string& error);

  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  // Writes every dirty asset and edge in one transaction (the ledger's counters
  // are totals: it was loaded from this store first), then clears the dirty
  // marks. On failure everything is rolled back and the marks stay, so the next
  // flush retries and nothing is lost.
  StoreStatus flush(Ledger& ledger);
  // Reads every asset and edge of this sensor into `ledger` (load_asset/load_edge).
  StoreStatus load(Ledger& ledger);

  [[nodiscard]] bool has_file(std::string_view fingerprint);
  StoreStatus record_file(const IngestedFile& file);
  // The latest record of a read of the file at `path` (by this sensor), if any.
  [[nodiscard]] std::optional<IngestedFile> last_read_of(std::string_view path);
  // Adds each value to the stored counter of that name (anomalies, capture stats).
  StoreStatus add_counters(const std::map<std::string, std::uint64_t>& deltas);
  [[nodiscard]] std::map<std::string, std::uint64_t> counters();
  StoreStatus record_run(const RunRecord& run);
  StoreStatus record_review(const ReviewRecord& review);
  // The review evidence of this sensor between from_us and to_us. Outbox
  // messages count only when queued at least `grace_us` before to_us (a
  // message queued a minute ago is not yet a failed delivery). The outbox is
  // the database's, shared by its sensors.
  [[nodiscard]] std::optional<ReviewFacts> review_facts(std::int64_t from_us, std::int64_t to_us,
                                                        std::int64_t grace_us, std::string& error);

  // Stores the advisories in one transaction, each unless a newer revision of
  // it is stored already; `outcomes` gets one entry per advisory, in order.
  // On failure nothing is stored.
  StoreStatus import_advisories(const std::vector<StoredAdvisory>& advisories, std::vector<AdvisoryImport>& outcomes,
                                std::int64_t now_us);
  // The stored advisories, ordered by id; with `with_doc` false, `doc` is left empty.
  StoreStatus advisories(std::vector<StoredAdvisory>& out, bool with_doc = true);
  // Changes whenever an import adds or replaces an advisory of this sensor
  // ("count|last update"): readers keep what they parsed while it holds.
  StoreStatus advisories_version(std::string& out);
  // Records (or replaces) the state of each row, in one transaction.
  StoreStatus set_remediation(const std::vector<RemediationState>& states);
  StoreStatus remediation_states(std::vector<RemediationState>& out);

  // Central replication (sensor/central/replicator.hpp). From the first call on,
  // every write of a record of this sensor (asset, edge, finding state,
  // snapshot, counter, run) also notes the record in the change log, in the
  // same transaction, one row per record: a record changed again only moves to
  // the end with a new version, so the log never holds more rows than the
  // ledger has records and always names the newest state. The first call notes
  // every record already stored, so the central store gets the whole ledger.
  StoreStatus start_change_log(std::int64_t now_us);
  // The oldest `limit` changes with their records' rows (see ChangeBatch).
  StoreStatus pending_changes(std::size_t limit, ChangeBatch& out);
  // Forgets the changes the central store committed; a record changed again
  // meanwhile (a newer seq) stays in the log.
  StoreStatus drop_changes(const std::vector<ChangeRecord>& sent);

  // The sensor names that have records in this database (ledger, snapshots,
  // runs, files read), sorted; empty also when the query fails.
  [[nodiscard]] std::vector<std::string> sensors();

  [[nodiscard]] const std::string& path() const noexcept;
  [[nodiscard]] const std::string& sensor_name() const noexcept;
  // A statement on this store's connection, for the tables other modules own
  // (snapshots, findings state, console accounts, audit log).
  [[nodiscard]] Statement statement(std::string_view sql) const;
  // Runs SQL without results on this connection (BEGIN IMMEDIATE, COMMIT,
  // ROLLBACK ...): SQLITE_OK or the error.
  int exec(const char* sql);
  // True while a transaction begun on this connection is open.
  [[nodiscard]] bool in_transaction() const noexcept;
  // The connection's last error: SQLite's message, and its extended code.
  [[nodiscard]] std::string error_message() const;
  [[nodiscard]] int error_code() const noexcept;
  // For diagnostics and tests (e.g. PRAGMA max_page_count); the Store owns it.
  [[nodiscard]] sqlite3* native_handle() const noexcept;

 private:
  enum class OpenMode { create, existing, read };
  [[nodiscard]] static std::optional<Store> open(const std::string& path, std::string sensor_name, std::string& error,
                                                 OpenMode mode);
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mieruka::inventory
