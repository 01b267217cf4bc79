// The ja/en message table (see messages.hpp). Checklist item texts are those of
// ../shared/CHECKLIST.md (METI 工場システムにおけるサイバー・フィジカル・セキュリティ
// 対策ガイドライン Ver 1.0, 付録E). Rule texts ("rule.*") are the written-out
// level rules of inventory/report/checklist.cpp kLevelRules; "{name}" is replaced by
// the rule's parameter of that name.
#include "inventory/report/messages.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "inventory/policy/evidence.hpp"

namespace mieruka::inventory {
namespace {

struct Msg {
  std::string_view key, ja, en;
};

constexpr Msg kMessages[] = {
    // --- report frame ---------------------------------------------------------------
    {"checklist.title", "工場システム セキュリティ対策チェックリスト 証跡レポート",
     "Factory system security checklist: evidence report"},
    {"checklist.guideline",
     "経済産業省「工場システムにおけるサイバー・フィジカル・セキュリティ対策ガイドライン」Ver 1.0 付録E チェックリスト",
     "METI Cyber/Physical Security Guidelines for Factory Systems Ver 1.0, Appendix E checklist"},
    {"checklist.disclaimer",
     "Mieruka は受動的に観測した証跡を示します。達成度は提案であり、最終的な評価は工場が行います。",
     "Mieruka shows passively observed evidence. Levels are suggestions; the plant assigns the final level."},
    {"label.generated_at", "作成日時", "Generated at"},
    {"label.sensor", "センサー", "Sensor"},
    {"label.database", "データベース", "Database"},
    {"label.assets", "機器数", "Assets"},
    {"label.links", "通信数", "Links"},
    {"label.snapshots", "スナップショット数", "Snapshots"},
    {"label.last_snapshot", "最新スナップショット", "Latest snapshot"},
    {"label.observed", "観測期間", "Observed period"},
    {"label.live_monitoring", "常時監視（ライブ取得）", "Continuous monitoring (live capture)"},
    {"label.review_period", "見直しの評価期間", "Review period"},
    {"label.periodic_review", "定期的な見直し（スケジュール）", "Periodic review (schedule)"},
    {"label.review_shortfall", "レベル4・5に足りないもの", "What levels 4 and 5 still lack"},
    // --- review evidence (ReviewEvidence in checklist.hpp) -----------------------------------
    {"review.sentence", "スケジュール {schedule}：{slots} 回中 {taken} 回のスナップショット、差分 {queued} 件中 {delivered} 件を配信（通知先 {channels}）",
     "schedule {schedule}: {taken} of {slots} snapshots taken, {delivered} of {queued} diffs delivered ({channels} channels)"},
    {"review.no_schedule", "スナップショットのスケジュールなし（手動スナップショットは定期的な見直しに数えない）",
     "no snapshot schedule (manual snapshots do not count as periodic review)"},
    {"monitoring.sentence", "ライブ取得が期間の {coverage}% を監視、取りこぼし {drop_rate}%、アラート {alerts_queued} 件中 {alerts_delivered} 件を配信",
     "live capture covered {coverage}% of the period, {drop_rate}% of packets dropped, {alerts_delivered} of {alerts_queued} alerts delivered"},
    {"monitoring.none", "期間中のライブ取得なし（キャプチャファイルの読み込みのみ）",
     "no live capture in the period (capture files read only)"},
    {"shortfall.no_schedule", "[snapshots] schedule を設定し、定期スナップショットと差分通知を運用する",
     "configure a [snapshots] schedule so that snapshots are taken and their diffs sent"},
    {"shortfall.short_period", "評価期間（{period}）にスケジュールの実行が 2 回以上ない",
     "the period ({period}) holds fewer than two slots of the schedule"},
    {"shortfall.missed", "{period} にスケジュール {slots} 回中 {taken} 回しか実行されていない（90% 以上が必要）",
     "only {taken} of the schedule's {slots} snapshots in {period} were taken (90% needed)"},
    {"shortfall.no_channel", "通知先（[[channel]]）がなく、差分が誰にも届かない",
     "no delivery channel is configured: the diffs reach nobody"},
    {"shortfall.diffs_undelivered", "差分 {queued} 件中 {delivered} 件しか配信されていない",
     "only {delivered} of {queued} diffs were delivered"},
    {"shortfall.coverage", "ライブ取得が期間の {coverage}% しか監視していない（95% 以上が必要）",
     "live capture covered only {coverage}% of the period (95% needed)"},
    {"shortfall.drops", "パケットの {drop_rate}% を取りこぼしている（0.1% 以下が必要）",
     "{drop_rate}% of packets were dropped (at most 0.1% allowed)"},
    {"shortfall.alerts_undelivered", "アラート {alerts_queued} 件中 {alerts_delivered} 件しか配信されていない",
     "only {alerts_delivered} of {alerts_queued} alerts were delivered"},
    {"label.new_since", "新規機器の基準", "New devices since"},
    {"label.yes", "あり", "yes"},
    {"label.no", "なし", "no"},
    {"label.none", "（なし）", "(none)"},
    {"label.direct", "直接の証跡", "direct evidence"},
    {"label.supporting", "補助的な証跡", "supporting evidence"},
    {"section.summary", "概要", "Summary"},
    {"section.items", "チェック項目と証跡", "Checklist items and evidence"},
    {"section.ledger", "機器台帳", "Equipment ledger"},
    {"section.topology", "システム構成図", "System configuration diagram"},
    {"section.findings", "未対応の検出事項", "Open findings"},
    {"col.item", "項目", "Item"},
    {"col.text", "確認項目", "Check item"},
    {"col.level", "達成度（提案）", "Suggested level"},
    {"col.rule", "根拠となる規則", "Rule applied"},
    {"col.evidence", "証跡", "Evidence"},
    {"col.kind", "種別", "Kind"},
    {"col.ref", "ID", "ID"},
    {"col.detail", "内容", "Detail"},
    {"col.count", "件数", "Count"},
    {"col.type", "種類", "Type"},
    {"col.severity", "重要度", "Severity"},
    {"col.mac", "MAC アドレス", "MAC"},
    {"col.ip", "IP アドレス", "IP"},
    {"col.vendor", "ベンダー", "Vendor"},
    {"col.product", "製品", "Product"},
    {"col.revision", "リビジョン", "Revision"},
    {"col.serial", "シリアル番号", "Serial"},
    {"col.name", "名称", "Name"},
    {"col.location", "設置場所", "Location"},
    {"col.owner", "管理者", "Owner"},
    {"col.class", "種別（クラス）", "Class"},
    {"col.protocols", "プロトコル", "Protocols"},
    {"col.first_seen", "初回観測", "First seen"},
    {"col.last_seen", "最終観測", "Last seen"},
    {"col.peer", "通信相手", "Peer"},
    {"col.protocol", "プロトコル", "Protocol"},
    {"col.port", "ポート", "Port"},
    {"col.direction", "方向", "Direction"},
    {"col.packets", "パケット数", "Packets"},
    {"dir.out", "発信", "outgoing"},
    {"dir.in", "着信", "incoming"},
    {"topology.unavailable", "（このビルドでは構成図の SVG を生成できません。JSON を参照してください）",
     "(This build cannot render the diagram as SVG; see the JSON export.)"},
    // --- the printable checklist report: opening pages and appendix ----------------------------
    {"report.levels", "チェック項目ごとの達成度（提案）と根拠", "Suggested level of each checklist item, and what it rests on"},
    {"report.rests_on", "根拠（観測した事実）", "What it rests on (observed facts)"},
    {"report.top_findings", "重要な未対応の検出事項", "Open findings that matter most"},
    {"report.top_findings_note", "未対応 {open} 件のうち重要度の高い {shown} 件（同じ種類は 2 件まで）",
     "{shown} of {open} open findings, highest severity first (at most two of a type)"},
    {"report.same_type", "同種ほか {n} 件", "+{n} more of this type"},
    {"report.no_open_findings", "未対応の検出事項はない", "No open finding"},
    {"report.device", "機器", "Device"},
    {"report.severity.high", "高", "high"},
    {"report.severity.medium", "中", "medium"},
    {"report.severity.low", "低", "low"},
    {"count.ot_assets", "OT 機器", "OT devices"},
    {"count.outbound_external_links", "外部への通信", "outbound external links"},
    {"count.open_findings", "未対応の検出事項", "open findings"},
    {"count.assets", "機器", "devices"},
    {"count.links", "通信", "links"},
    {"count.approved_entries", "承認済みリストの行", "approved-list entries"},
    {"count.approved_seen", "承認済みで観測", "approved and seen"},
    {"count.approved_unseen", "承認済みだが未観測", "approved, never seen"},
    {"count.unapproved_open", "未承認（未対応）", "unapproved (open)"},
    {"count.hidden_open", "未承認の OT 機器（未対応）", "hidden OT devices (open)"},
    {"count.wireless_devices", "無線機器", "wireless devices"},
    {"count.listed_and_seen", "許可済みで観測", "listed and seen"},
    {"count.seen_not_listed", "未許可で観測", "seen, not listed"},
    {"count.listed_never_seen", "許可済みだが未観測", "listed, never seen"},
    {"count.new_devices", "新規機器", "new devices"},
    {"count.new_not_approved", "新規で未承認", "new, not approved"},
    {"count.assets_with_versions", "バージョンが見える機器", "devices with versions"},
    {"count.end_of_support", "サポート終了", "end of support"},
    {"count.advisory_matches", "アドバイザリ該当", "advisory matches"},
    {"count.advisory_open", "未対策", "not remediated"},
    {"count.advisory_in_progress", "対策中", "in progress"},
    {"count.advisory_compensated", "代替策", "compensated"},
    {"count.advisory_remediated", "対策済み", "remediated"},
    {"count.advisory_not_affected", "該当せず", "not affected"},
    {"count.advisories_imported", "取り込んだアドバイザリ", "advisories imported"},
    {"count.assets_matched", "該当機器", "devices matched"},
    {"count.matches_confirmed", "確定", "confirmed"},
    {"count.matches_possible", "可能性", "possible"},
    {"count.control_hosts", "制御端末", "control hosts"},
    {"count.cleartext_login_hosts", "平文ログインの端末", "cleartext-login hosts"},
    {"count.zones_defined", "定義済みゾーン", "zones defined"},
    {"count.segments_observed", "観測したセグメント", "segments observed"},
    {"count.cross_zone_open", "ゾーン間通信（未対応）", "cross-zone (open)"},
    {"count.remote_sessions", "リモートセッション", "remote sessions"},
    {"count.remote_access_paths", "リモートアクセス経路", "remote-access paths"},
    {"count.undeclared_open", "未申告（未対応）", "undeclared (open)"},
    {"count.write_operations", "書き込み操作", "write operations"},
    {"count.control_operations", "制御操作", "control operations"},
    {"count.insecure_open", "安全でない設定（未対応）", "insecure (open)"},
    {"count.new_writer_open", "新たな書き込み元（未対応）", "new writer (open)"},
    {"count.control_open", "制御コマンド（未対応）", "control commands (open)"},
    {"report.changes", "基準からの変化", "What changed since the baseline"},
    {"report.no_baseline", "比較するスナップショットがない（`mieruka snapshot` で基準を記録すると、次回から変化を示す）",
     "No snapshot to compare with (record a baseline with `mieruka snapshot`; the next report shows the changes)"},
    {"label.baseline", "基準", "Baseline"},
    {"report.new_assets", "新規機器", "New devices"},
    {"report.vanished_assets", "消えた機器", "Vanished devices"},
    {"report.changed_assets", "変更", "Changed fields"},
    {"report.new_links", "新規通信", "New links"},
    {"report.vanished_links", "消えた通信", "Vanished links"},
    {"report.capture_drops", "取りこぼし", "Capture drops"},
    {"report.zones", "ゾーン構成図", "Zone diagram"},
    {"report.zone", "ゾーン（区分）", "Zone (group)"},
    {"report.purdue", "レベル", "Level"},
    {"report.cross_flows", "他ゾーンへの通信", "Flows to other zones"},
    {"report.appendix", "付録", "Appendix"},
    {"report.group", "{kind}（{n} 件）", "{kind} ({n})"},
    {"report.more", "ほか {n} 件（全件は CSV・JSON 出力にある）", "… and {n} more (all of them in the CSV and JSON exports)"},
    {"report.ledger_more", "ほか {n} 台（全台帳は CSV・JSON 出力、または `mieruka export ledger`）",
     "… and {n} more devices (the whole ledger: the CSV and JSON exports, or `mieruka export ledger`)"},
    {"report.diagram_too_large",
     "機器 {n} 台の全体構成図は紙では読めないため省略（コンソールのネットワークマップ、または `mieruka topology --format svg`）",
     "The whole diagram of {n} devices cannot be read on paper and is left out (see the console's network map, or "
     "`mieruka topology --format svg`)"},
    // --- achievement levels (CHECKLIST.md) ----------------------------------------------
    {"level.none", "判定材料なし", "No evidence for a level"},
    {"level.1", "1：未実施", "1: Not implemented"},
    {"level.2", "2：一部実施", "2: Partially implemented"},
    {"level.3", "3：実施済み", "3: Implemented"},
    {"level.4", "4：実施済みで、管理手順を文書化・自動化し、定期的に対策を見直し",
     "4: Implemented; documented and automated; reviewed periodically"},
    {"level.5", "5：実施済みで、管理手順を文書化・自動化し、随時見直し",
     "5: Implemented; documented and automated; reviewed continuously"},
    // --- checklist items (CHECKLIST.md) ---------------------------------------------------
    {"item.2-3", "工場システムからの電子メールやインターネットアクセスはポリシによって禁止している。",
     "Email and internet access from factory systems is prohibited by policy."},
    {"item.2-6",
     "情報資産の検出ツールを利用するなど、工場ネットワークに接続している機器（サーバ、クライアント端末、ネットワーク機器、設備等）"
     "の台帳を作成し、システム構成図が作成している。",
     "Using e.g. an information-asset detection tool, a ledger of devices connected to the factory network (servers, "
     "client terminals, network equipment, production equipment, etc.) has been made, and a system configuration "
     "diagram has been made."},
    {"item.2-7", "工場内に無線 LAN を導入している場合、ネットワークへの接続を許可された機器の台帳を作成し、無許可の機器を拒否する仕組みがある。",
     "Where wireless LAN is used in the factory, a ledger of devices permitted to connect exists, and there is a "
     "mechanism that rejects unpermitted devices."},
    {"item.2-8",
     "定期的な脆弱性診断やペネトレーションテスト（侵入可否検査）を実施して、システムへの侵入を成功させるために使用できる攻撃手法や脆弱性を特定している。",
     "Periodic vulnerability assessment or penetration testing identifies attack methods and vulnerabilities."},
    {"item.4-3", "（項目本文は METI チェックリストを参照）公開された脆弱性情報と設置機器の照合",
     "(item text: see the METI checklist) published vulnerability notices matched to the installed equipment"},
    {"item.2-12", "工場ネットワーク内の接続機器について、事前にそれらがウィルスに感染していないことを確認する手順がある。",
     "There is a procedure to confirm beforehand that devices connected to the factory network are not infected."},
    {"item.3-2", "アプリケーション／オペレーティングシステム（OS）にセキュリティパッチを適用している。もしくは代替策を講じている。",
     "Security patches are applied to applications/OS, or alternative measures are taken."},
    {"item.3-3",
     "制御端末のオペレーティングシステムの使用サービスやアプリケーションは必要最小限とし、未使用のサービスやポートは停止・無効化している。",
     "Services and applications on control terminals are kept to the minimum; unused services and ports are stopped "
     "or disabled."},
    {"item.3-5", "工場ネットワーク内において、セキュリティレベルに応じたネットワークセグメント管理を行っている（VLAN 等）。",
     "Within the factory network, segments are managed according to security level (VLAN, etc.)."},
    {"item.3-6",
     "工場システムのリモートメンテナンスなどを目的とした外部からのインターネットアクセスが可能な場合、認証（２要素認証等）や"
     "ネットワーク侵入防護などの保護対策を行っている。",
     "Where access from the internet is possible, e.g. for remote maintenance of factory systems, protective measures "
     "such as authentication (two-factor etc.) and network intrusion protection are in place."},
    {"item.3-7", "工場内のネットワーク（情報システムとの境界含む）の不審な通信を特定するためのネットワーク検知／防護システムを導入している。",
     "A network detection/protection system that identifies suspicious communication in the factory network "
     "(including the boundary with information systems) is in place."},
    {"item.4-5", "納入する工場システム機器に対して、一定のセキュリティ基準を満たしているかを判定するプロセスや受入検査がある。",
     "There is a process or acceptance inspection to judge whether delivered factory-system equipment meets a "
     "security baseline."},
    // --- evidence kinds ---------------------------------------------------------------------
    {"ev.count", "件数", "count"},
    {"ev.finding", "検出事項", "finding"},
    {"ev.diagram", "構成図", "diagram"},
    {"ev.approved_unseen", "承認済みだが未観測", "approved, never seen"},
    {"ev.wireless_listed", "許可済みで観測", "listed and seen"},
    {"ev.wireless_unlisted", "未許可で観測", "seen, not listed"},
    {"ev.wireless_unseen", "許可済みだが未観測", "listed, never seen"},
    {"ev.segment", "セグメント", "segment"},
    {"ev.remote", "リモート／外部通信", "remote / external session"},
    {"ev.detection", "検知", "detection"},
    {"ev.external", "外部通信", "external connection"},
    {"ev.new_device", "新規機器", "new device"},
    {"ev.version", "バージョン", "version"},
    {"ev.eos", "サポート終了", "end of support"},
    {"ev.service", "サービス", "service"},
    {"ev.pointer", "参照", "see"},
    {"ev.advisory", "公開アドバイザリ該当", "advisory match"},
    // --- level rules (kLevelRules in checklist.cpp) ------------------------------------------
    {"rule.no_evidence", "判定材料なし：{why}", "no evidence for a level: {why}"},
    {"rule.2-6.empty", "レベル1：台帳に機器がない（検出ツールによる台帳が未作成）",
     "level 1: the ledger holds no device (no ledger from a discovery tool)"},
    {"rule.2-6.no_list", "レベル2：検出ツールによる台帳（{assets} 台）と構成図はあるが、照合する承認済み機器リストがない",
     "level 2: a ledger of {assets} devices and a diagram exist from a discovery tool, but no approved list to reconcile "
     "them with"},
    {"rule.2-6.ledger", "レベル3：検出ツールによる台帳（{assets} 台）と構成図があり、未承認・隠れ機器が {open} 台未対応",
     "level 3: a ledger of {assets} devices and a diagram exist from a discovery tool; {open} unapproved or hidden "
     "devices remain open"},
    {"rule.2-6.periodic", "レベル4：台帳が承認済みリストと一致（未対応 0）し、スケジュール（{schedule}）で定期的に見直し：{period} に {slots} 回中 {taken} 回のスナップショット、差分 {queued} 件中 {delivered} 件を配信",
     "level 4: the ledger matches the approved list (0 open), reviewed on a schedule ({schedule}): {taken} of {slots} snapshots taken in {period}, {delivered} of {queued} diffs delivered"},
    {"rule.2-6.continuous", "レベル5：レベル4に加え、常時監視で随時見直し：ライブ取得が期間の {coverage}% を監視（取りこぼし {drop_rate}%）、アラート {alerts_queued} 件中 {alerts_delivered} 件を配信",
     "level 5: as level 4, with continuous monitoring: live capture covered {coverage}% of the period ({drop_rate}% of packets dropped), {alerts_delivered} of {alerts_queued} alerts delivered"},
    {"rule.2-7.na", "該当なし：無線機器を観測していない（無線 LAN 未導入、またはモニタモード取得なし）",
     "not applicable: no wireless device observed (no wireless LAN, or no monitor-mode capture)"},
    {"rule.2-7.no_list", "レベル1：無線機器を {wireless} 台観測したが、接続許可リストがない",
     "level 1: {wireless} wireless devices seen, but no allow-list of permitted devices"},
    {"rule.2-7.violations", "レベル2：許可リストはあるが、未許可の無線機器を {open} 台観測（拒否の仕組みが機能していない）",
     "level 2: an allow-list exists, but {open} unlisted wireless devices were seen (rejection does not work)"},
    {"rule.2-7.clean", "レベル3：許可リストがあり、観測期間中に未許可の無線機器を観測していない",
     "level 3: an allow-list exists and no unlisted wireless device was seen over the observed period"},
    {"rule.2-7.periodic", "レベル4：レベル3に加え、スケジュール（{schedule}）で定期的に見直し：{period} に {slots} 回中 {taken} 回のスナップショット、差分 {queued} 件中 {delivered} 件を配信",
     "level 4: as level 3, reviewed on a schedule ({schedule}): {taken} of {slots} snapshots taken in {period}, {delivered} of {queued} diffs delivered"},
    {"rule.2-7.continuous", "レベル5：レベル4に加え、常時監視で随時見直し：ライブ取得が期間の {coverage}% を監視（取りこぼし {drop_rate}%）、アラート {alerts_queued} 件中 {alerts_delivered} 件を配信",
     "level 5: as level 4, with continuous monitoring: live capture covered {coverage}% of the period ({drop_rate}% of packets dropped), {alerts_delivered} of {alerts_queued} alerts delivered"},
    {"rule.3-5.flat", "レベル1：ゾーン定義がなく、観測されたセグメントは {segments} 個のみ",
     "level 1: no zones defined and only {segments} segment observed"},
    {"rule.3-5.no_zones", "レベル2：{segments} 個のセグメント（VLAN／サブネット）を観測したが、設定にゾーン定義がない",
     "level 2: {segments} segments (VLANs / subnets) observed, but the config defines no zones"},
    {"rule.3-5.crossing", "レベル2：ゾーンは定義済みだが、許可外のゾーン間通信・複数ゾーン所属が {open} 件未対応",
     "level 2: zones are defined, but {open} cross-zone flows or devices in two zones remain open"},
    {"rule.3-5.clean", "レベル3：ゾーンが定義され、コンジットで許可されないゾーン間通信はない",
     "level 3: zones are defined and no flow crosses zones outside the conduits"},
    {"rule.3-5.periodic", "レベル4：レベル3に加え、スケジュール（{schedule}）で定期的に見直し：{period} に {slots} 回中 {taken} 回のスナップショット、差分 {queued} 件中 {delivered} 件を配信",
     "level 4: as level 3, reviewed on a schedule ({schedule}): {taken} of {slots} snapshots taken in {period}, {delivered} of {queued} diffs delivered"},
    {"rule.3-5.continuous", "レベル5：レベル4に加え、常時監視で随時見直し：ライブ取得が期間の {coverage}% を監視（取りこぼし {drop_rate}%）、アラート {alerts_queued} 件中 {alerts_delivered} 件を配信",
     "level 5: as level 4, with continuous monitoring: live capture covered {coverage}% of the period ({drop_rate}% of packets dropped), {alerts_delivered} of {alerts_queued} alerts delivered"},
    {"rule.3-6.na", "該当なし：リモートアクセス・外部セッションを観測していない",
     "not applicable: no remote-access or external session observed"},
    {"rule.3-6.undeclared", "レベル2：リモートアクセス経路が {open} 件未承認（申告のない経路を含む）",
     "level 2: {open} remote-access paths are not acknowledged (undeclared paths included)"},
    {"rule.3-6.declared",
     "レベル3：観測したリモートアクセス経路 {paths} 件はすべて承認済み。2要素認証等は受動観測では確認できない（4-5 は工場が評価）",
     "level 3: all {paths} observed remote-access paths are acknowledged; two-factor authentication cannot be verified "
     "passively (levels 4-5 are the plant's to assess)"},
    {"rule.3-7.none", "レベル1：解析したトラフィックがない", "level 1: no traffic analysed"},
    {"rule.3-7.offline", "レベル2：{period} にライブ取得がなく、キャプチャを事後解析しただけで、ネットワーク上での常時検知がない",
     "level 2: no live capture in {period}; captures analysed offline only, no continuous detection on the network"},
    {"rule.3-7.live", "レベル3：Mieruka がライブ取得で検知しており（期間の {coverage}%）、不審な通信の検出事項が {open} 件未対応",
     "level 3: Mieruka detects on live capture ({coverage}% of the period); {open} suspicious-traffic findings remain open"},
    {"rule.3-7.periodic", "レベル4：ライブ取得での検知に加え、スケジュール（{schedule}）で定期的に見直し：{period} に {slots} 回中 {taken} 回のスナップショット、差分 {queued} 件中 {delivered} 件を配信（未対応 {open} 件）",
     "level 4: live detection, reviewed on a schedule ({schedule}): {taken} of {slots} snapshots taken in {period}, {delivered} of {queued} diffs delivered ({open} findings open)"},
    {"rule.3-7.continuous", "レベル5：常時監視で随時見直し：ライブ取得が期間の {coverage}% を監視（取りこぼし {drop_rate}%）、アラート {alerts_queued} 件中 {alerts_delivered} 件を配信。スケジュール（{schedule}）で定期的に見直し：{period} に {slots} 回中 {taken} 回のスナップショット、差分 {queued} 件中 {delivered} 件を配信。すべての検出事項に対応済み",
     "level 5: continuous monitoring: live capture covered {coverage}% of the period ({drop_rate}% of packets dropped), {alerts_delivered} of {alerts_queued} alerts delivered; reviewed on a schedule ({schedule}): {taken} of {slots} snapshots taken in {period}, {delivered} of {queued} diffs delivered; every finding dealt with"},
    {"rule.2-3.no_ot", "判定材料なし：台帳に OT 機器がない", "no evidence for a level: no OT equipment in the ledger"},
    {"rule.2-3.violations", "レベル2：OT 機器 {open} 件がインターネットへ通信またはメール送信している（ポリシが徹底されていない）",
     "level 2: {open} OT hosts reached the internet or sent mail (the policy is not enforced)"},
    {"rule.2-3.clean", "レベル3：インターネットへ通信・メール送信する OT 機器を観測していない",
     "level 3: no OT host seen reaching the internet or sending mail"},
    {"rule.2-3.periodic", "レベル4：レベル3に加え、スケジュール（{schedule}）で定期的に見直し：{period} に {slots} 回中 {taken} 回のスナップショット、差分 {queued} 件中 {delivered} 件を配信",
     "level 4: as level 3, reviewed on a schedule ({schedule}): {taken} of {slots} snapshots taken in {period}, {delivered} of {queued} diffs delivered"},
    {"rule.2-3.continuous", "レベル5：レベル4に加え、常時監視で随時見直し：ライブ取得が期間の {coverage}% を監視（取りこぼし {drop_rate}%）、アラート {alerts_queued} 件中 {alerts_delivered} 件を配信",
     "level 5: as level 4, with continuous monitoring: live capture covered {coverage}% of the period ({drop_rate}% of packets dropped), {alerts_delivered} of {alerts_queued} alerts delivered"},
    {"rule.2-12.none", "判定材料なし：{since} 以降に新たに接続された機器はない",
     "no evidence for a level: no device first seen since {since}"},
    {"rule.2-12.no_list", "判定材料なし：新規機器 {count} 台。承認済みリストを与えると照合できる",
     "no evidence for a level: {count} new devices; give the approved list to reconcile them"},
    {"rule.2-12.unchecked", "レベル2：新規機器 {count} 台のうち {open} 台が承認済みリストにない（事前確認の記録がない）",
     "level 2: {open} of {count} new devices are not on the approved list (no record of a check before connection)"},
    {"rule.2-12.checked", "レベル3：新規機器 {count} 台はすべて承認済みリストにある。感染確認そのものは受動観測では確認できない",
     "level 3: all {count} new devices are on the approved list; the infection check itself cannot be seen passively"},
    {"rule.3-2.none", "判定材料なし：通信から OS・ファームウェアのバージョンが見えない",
     "no evidence for a level: no OS or firmware version visible in traffic"},
    {"rule.3-2.unremediated",
     "レベル2：公開アドバイザリに該当する {vulnerable} 件のうち {unremediated} 件が未対策または対策中（代替策 {compensated} 件、対策済み・該当せず {remediated} 件）",
     "level 2: {unremediated} of {vulnerable} advisory matches are not remediated or in progress ({compensated} "
     "compensated (alternative measures), {remediated} remediated or not affected)"},
    {"rule.2-8.no_advisories", "判定材料なし：公開アドバイザリが取り込まれていない（`mieruka advisories import`）。機器のメーカー・型式・ファームウェアは台帳を参照",
     "no evidence for a level: no published advisory imported (`mieruka advisories import`); makers, models and "
     "firmware are in the ledger"},
    {"rule.2-8.matches",
     "判定材料なし：公開アドバイザリ {advisories} 件との照合で {count} 台が該当（確定 {confirmed} 件、可能性 {possible} 件）。脆弱性診断の代わりにはならない",
     "no evidence for a level: matching {advisories} published advisories found {count} affected devices "
     "({confirmed} confirmed, {possible} possible); this does not replace vulnerability assessment"},
    {"rule.4-3.no_advisories", "判定材料なし：公開アドバイザリが取り込まれていない（`mieruka advisories import`）",
     "no evidence for a level: no published advisory imported (`mieruka advisories import`)"},
    {"rule.4-3.matches",
     "判定材料なし：公開アドバイザリ {advisories} 件を台帳と照合し {count} 台が該当（確定 {confirmed} 件、可能性 {possible} 件）。情報収集の体制そのものは工場が示す",
     "no evidence for a level: {advisories} published advisories matched against the ledger: {count} devices affected "
     "({confirmed} confirmed, {possible} possible); the process of collecting them is the plant's to show"},
    {"rule.3-2.eos", "レベル2：サポート終了の OS・ファームウェアの機器が {open} 台ある（代替策の有無は工場が確認）",
     "level 2: {open} assets run an end-of-support OS or firmware (alternative measures are the plant's to show)"},
    {"rule.3-2.clean", "レベル3：{count} 台のバージョンが見え、サポート終了表に該当するものはない。パッチ適用状況は受動観測では確認できない",
     "level 3: versions visible for {count} assets, none in the end-of-support table; patch levels cannot be seen "
     "passively"},
    {"rule.3-3.none", "判定材料なし：台帳に制御端末がない", "no evidence for a level: no control host in the ledger"},
    {"rule.3-3.cleartext", "レベル2：制御端末 {open} 台が平文ログインのサービス（telnet、ftp、rlogin）を提供している",
     "level 2: {open} control hosts serve a cleartext login service (telnet, ftp, rlogin)"},
    {"rule.3-3.minimal", "レベル3：制御端末 {count} 台で平文ログインのサービスは使われていない（受動観測：ポートスキャンではない）",
     "level 3: no cleartext login service in use on the {count} control hosts (passive view, not a port scan)"},
    {"rule.4-5.pointer", "判定材料なし：受入検査の証跡は `mieruka report acceptance` のレポートを参照（新規機器 {count} 台）",
     "no evidence for a level: see the `mieruka report acceptance` report for the acceptance evidence ({count} new "
     "devices)"},
    // --- fact names, item titles (device classes: "class.<code>", evidence.hpp class_names) ---
    {"fact.vendor", "ベンダー", "vendor"},
    {"fact.product", "製品", "product"},
    {"fact.revision", "ファームウェア・ソフトウェアのリビジョン", "firmware / software revision"},
    {"fact.serial", "シリアル番号", "serial number"},
    {"fact.name", "機器名", "device name"},
    {"fact.hostname", "ホスト名", "host name"},
    {"fact.model", "型式", "model"},
    {"fact.product_code", "製品コード", "product code"},
    {"fact.device_type", "機器タイプ", "device type"},
    {"fact.vendor_id", "ベンダーID", "vendor ID"},
    {"fact.description", "説明", "description"},
    {"fact.os", "OS", "operating system"},
    {"fact.location", "設置場所 (機器の申告)", "location (from the device)"},
    {"fact.ip", "IPアドレス", "IP address"},
    {"fact.role", "役割", "role"},
    {"fact.class_hint", "種別の手がかり", "class hint"},
    {"fact.service", "提供サービス", "service offered"},
    {"fact.security", "セキュリティ設定", "security setting"},
    {"fact.application_uri", "OPC UA アプリケーションURI", "OPC UA application URI"},
    {"fact.asset_id", "資産ID", "asset ID"},
    {"fact.cclink_device_version", "CC-Link IEFB 機器バージョン", "CC-Link IE Field Basic device version"},
    {"fact.cclink_group", "CC-Link IEFB グループ", "CC-Link IE Field Basic group"},
    {"fact.cclink_model_code", "CC-Link IEFB 機種コード", "CC-Link IE Field Basic model code"},
    {"fact.cclink_occupied_stations", "CC-Link IEFB 占有局数", "CC-Link IE Field Basic occupied stations"},
    {"fact.cclink_vendor_code", "CC-Link IEFB ベンダーコード", "CC-Link IE Field Basic vendor code"},
    {"fact.cdp_capabilities", "CDP 機能", "CDP capabilities"},
    {"fact.cdp_duplex", "CDP 全二重/半二重", "CDP duplex"},
    {"fact.cdp_native_vlan", "CDP ネイティブVLAN", "CDP native VLAN"},
    {"fact.cdp_port", "CDP ポート", "CDP port"},
    {"fact.cdp_version", "CDP ソフトウェアバージョン", "CDP software version"},
    {"fact.cdp_vtp_domain", "CDP VTPドメイン", "CDP VTP domain"},
    {"fact.certificate_issuer", "証明書の発行者", "certificate issuer"},
    {"fact.certificate_not_after", "証明書の有効期限", "certificate valid until"},
    {"fact.certificate_not_before", "証明書の有効開始", "certificate valid from"},
    {"fact.certificate_subject", "証明書のサブジェクト", "certificate subject"},
    {"fact.cip_status", "CIP ステータス", "CIP status"},
    {"fact.contact", "連絡先 (SNMP)", "contact (SNMP)"},
    {"fact.device_id", "デバイスID", "device ID"},
    {"fact.dhcp_client_id", "DHCP クライアントID", "DHCP client ID"},
    {"fact.dhcp_fingerprint", "DHCP フィンガープリント", "DHCP fingerprint"},
    {"fact.dhcp_fqdn", "DHCP FQDN", "DHCP FQDN"},
    {"fact.dhcp_user_class", "DHCP ユーザークラス", "DHCP user class"},
    {"fact.dhcp_vendor_class", "DHCP ベンダークラス", "DHCP vendor class"},
    {"fact.dhcp_vendor_info", "DHCP ベンダー情報", "DHCP vendor information"},
    {"fact.dhcpv6_duid", "DHCPv6 DUID", "DHCPv6 DUID"},
    {"fact.dns_query", "DNS 問い合わせ", "DNS query"},
    {"fact.enip_state", "EtherNet/IP 状態", "EtherNet/IP state"},
    {"fact.enip_status", "EtherNet/IP ステータス", "EtherNet/IP status"},
    {"fact.fins_node", "FINS ノード", "FINS node"},
    {"fact.fins_tcp_node", "FINS/TCP ノード", "FINS/TCP node"},
    {"fact.firmware_revision", "ファームウェアリビジョン", "firmware revision"},
    {"fact.hardware_revision", "ハードウェアリビジョン", "hardware revision"},
    {"fact.http_host", "HTTP ホスト", "HTTP host"},
    {"fact.http_server", "HTTP サーバ", "HTTP server"},
    {"fact.http_user_agent", "HTTP ユーザーエージェント", "HTTP user agent"},
    {"fact.kv_mode", "KEYENCE KV 動作モード", "KEYENCE KV operating mode"},
    {"fact.kv_model_code", "KEYENCE KV 機種コード", "KEYENCE KV model code"},
    {"fact.lldp_capabilities", "LLDP 機能", "LLDP capabilities"},
    {"fact.lldp_chassis_id", "LLDP シャーシID", "LLDP chassis ID"},
    {"fact.lldp_mac_phy", "LLDP リンク速度・二重", "LLDP link speed / duplex"},
    {"fact.lldp_med_device_type", "LLDP-MED 機器タイプ", "LLDP-MED device type"},
    {"fact.lldp_port", "LLDP ポート", "LLDP port"},
    {"fact.lldp_port_description", "LLDP ポートの説明", "LLDP port description"},
    {"fact.lldp_port_vlan", "LLDP ポートVLAN", "LLDP port VLAN"},
    {"fact.lldp_vlan_name", "LLDP VLAN名", "LLDP VLAN name"},
    {"fact.mewtocol_cpu_version", "MEWTOCOL CPUバージョン", "MEWTOCOL CPU version"},
    {"fact.mewtocol_model_code", "MEWTOCOL 機種コード", "MEWTOCOL model code"},
    {"fact.mewtocol_operation_mode", "MEWTOCOL 動作モード", "MEWTOCOL operating mode"},
    {"fact.mewtocol_program_capacity", "MEWTOCOL プログラム容量", "MEWTOCOL program capacity"},
    {"fact.modbus_server_id", "Modbus サーバID", "Modbus server ID"},
    {"fact.nbns_comment", "NetBIOS コメント", "NetBIOS comment"},
    {"fact.nbns_name", "NetBIOS 名", "NetBIOS name"},
    {"fact.nbns_os_version", "NetBIOS OSバージョン", "NetBIOS OS version"},
    {"fact.nbns_server_type", "NetBIOS サーバ種別", "NetBIOS server type"},
    {"fact.nbns_workgroup", "NetBIOS ワークグループ", "NetBIOS workgroup"},
    {"fact.opcua_product_uri", "OPC UA 製品URI", "OPC UA product URI"},
    {"fact.opcua_security_policy", "OPC UA 提供セキュリティポリシ", "OPC UA security policy offered"},
    {"fact.opcua_security_policy_used", "OPC UA 使用セキュリティポリシ", "OPC UA security policy used"},
    {"fact.pn_alias_name", "PROFINET エイリアス名", "PROFINET alias name"},
    {"fact.pn_chassis_mac", "PROFINET シャーシMAC", "PROFINET chassis MAC"},
    {"fact.pn_gateway", "PROFINET ゲートウェイ", "PROFINET gateway"},
    {"fact.pn_instance", "PROFINET インスタンス", "PROFINET instance"},
    {"fact.pn_mrp_port_status", "PROFINET MRP ポート状態", "PROFINET MRP port status"},
    {"fact.pn_netmask", "PROFINET サブネットマスク", "PROFINET subnet mask"},
    {"fact.run_status", "運転状態", "run status"},
    {"fact.s7_copyright", "S7 著作権表示", "S7 copyright"},
    {"fact.s7_memory_card_serial", "S7 メモリカードのシリアル", "S7 memory card serial"},
    {"fact.s7_module_name", "S7 モジュール名", "S7 module name"},
    {"fact.s7_pdu_size", "S7 PDUサイズ", "S7 PDU size"},
    {"fact.s7_plant_id", "S7 設備ID", "S7 plant ID"},
    {"fact.s7_tsap", "S7 TSAP", "S7 TSAP"},
    {"fact.same_host", "同一ホスト", "same host as"},
    {"fact.seen_as", "観測のされ方", "seen as"},
    {"fact.slmp_model_code", "SLMP 機種コード", "SLMP model code"},
    {"fact.slmp_node_status", "SLMP ノード状態", "SLMP node status"},
    {"fact.slmp_subnet_mask", "SLMP サブネットマスク", "SLMP subnet mask"},
    {"fact.snmp_enterprise", "SNMP エンタープライズ", "SNMP enterprise"},
    {"fact.software", "ソフトウェア", "software"},
    {"fact.software_revision", "ソフトウェアリビジョン", "software revision"},
    {"fact.ssid", "無線ネットワーク (SSID)", "wireless network (SSID)"},
    {"fact.sys_object_id", "SNMP システムオブジェクトID", "SNMP system object ID"},
    {"fact.tcp_fingerprint", "TCP フィンガープリント", "TCP fingerprint"},
    {"fact.vendor_url", "ベンダーURL", "vendor URL"},
    {"fact.wlan_probe_ssid", "探索した無線ネットワーク (SSID)", "wireless network probed for (SSID)"},
    {"item_title.2-3", "電子メール・インターネット利用の禁止", "Email and internet use prohibited"},
    {"item_title.2-6", "資産台帳・システム構成図", "Asset ledger and system diagram"},
    {"item_title.2-7", "無線LANの接続機器管理", "Wireless LAN devices permitted"},
    {"item_title.2-8", "脆弱性診断", "Vulnerability assessment"},
    {"item_title.2-12", "接続機器の事前ウイルス確認", "Virus check before connection"},
    {"item_title.3-2", "セキュリティパッチ・代替策", "Security patches or alternative measures"},
    {"item_title.3-3", "不要なサービス・ポートの停止", "Unused services and ports disabled"},
    {"item_title.3-5", "ネットワークセグメント管理", "Network segmentation"},
    {"item_title.3-6", "リモートアクセスの保護", "Remote access protection"},
    {"item_title.3-7", "不審な通信の検知", "Detection of suspicious traffic"},
    {"item_title.4-3", "脆弱性情報と設置機器の照合", "Vulnerability notices matched to equipment"},
    {"item_title.4-5", "納入機器の受入検査", "Acceptance inspection of delivered equipment"},
    // --- acceptance report --------------------------------------------------------------------
    {"acceptance.title", "受入検査レポート（新規納入設備の通信プロファイル）",
     "Acceptance inspection report (traffic profile of newly delivered equipment)"},
    {"acceptance.item", "チェックリスト項目 4-5 の証跡", "Evidence for checklist item 4-5"},
    {"acceptance.since", "基準時刻", "Since"},
    {"acceptance.basis", "基準", "Basis"},
    {"acceptance.new_devices", "新規機器", "New devices"},
    {"acceptance.identity", "識別情報", "Identity"},
    {"acceptance.peers", "通信相手", "Peers"},
    {"acceptance.services", "提供サービス（ポート）", "Services offered (ports)"},
    {"acceptance.external", "外部接続", "External connections"},
    {"acceptance.external_none", "外部接続は観測されていない", "No external connection observed"},
    {"acceptance.no_devices", "この期間に新たに観測された機器はない", "No device was first seen in this period"},
    {"acceptance.signoff", "確認欄", "Sign-off"},
    {"acceptance.inspector", "確認者", "Inspected by"},
    {"acceptance.date", "日付", "Date"},
    {"acceptance.signature", "署名", "Signature"},
    // The baseline a report compares with (basis_text), and a row of the approved list.
    {"basis.snapshot", "スナップショット {name}", "snapshot {name}"},
    {"basis.snapshot_at", "スナップショット {name}（{time} 以前で最新）", "snapshot {name} (newest at or before {time})"},
    {"basis.last_days", "直近 {n} 日", "last {n} days"},
    {"basis.since", "{time} 以降", "since {time}"},
    {"report.list_line", "{n} 行目", "line {n}"},
    {"acceptance.port", "ポート", "port"},
    {"acceptance.packets", "{n} パケット", "{n} pk"},
    // Why a peer of a new device is outside the plant (acceptance report).
    {"acceptance.public_address", "グローバルアドレス", "public address"},
    {"acceptance.outside_zones", "設定したゾーンの外", "outside the configured zones"},
    // --- the checklist of several sensors as one fleet report (ChecklistInput::fleet) ---------
    {"fleet.time_zone", "時刻の表示", "Times shown in"},
    {"fleet.zone_sensors", "{zone}（全センサー共通）", "{zone} (every sensor's)"},
    {"fleet.zone_config", "{zone}（センサーのタイムゾーンが異なるため、読み出し側の設定の timezone）",
     "{zone} (the sensors' time zones differ: the reading config's timezone)"},
    {"fleet.review", "センサーごとの見直しの証跡", "Review evidence per sensor"},
    {"fleet.weakest",
     "レベル4・5はミラーポートごとのスケジュール・ライブ取得・配信に基づくため、全センサーが満たすときだけ全体として満たす。最も弱いセンサー {sensor} が決める（達成度の根拠に示す数値はこのセンサーのもの）。",
     "Levels 4 and 5 rest on each mirror port's own schedule, live capture and deliveries: the fleet meets one only "
     "when every sensor does, so the weakest sensor, {sensor}, decides (the figures the level rules state are its)."},
    {"fleet.no_baseline",
     "複数のセンサーに共通のスナップショットはない。新規機器は全体で {since} 以降に初めて観測された機器（2-12）。各センサーの変化はセンサーを指定した差分（diff --sensor）で確認する。",
     "A fleet has no common snapshot: new devices are those the fleet first saw at or after {since} (2-12); what "
     "changed on each sensor: `mieruka diff --sensor NAME`."},
};

}  // namespace

std::optional<Lang> parse_lang(std::string_view s) noexcept {
  if (s == "ja") return Lang::ja;
  if (s == "en") return Lang::en;
  return std::nullopt;
}

std::string_view lang_code(Lang lang) noexcept { return lang == Lang::ja ? "ja" : "en"; }

std::string_view msg(Lang lang, std::string_view key) noexcept {
  if (key.starts_with("class.")) {  // a device class: the one class-name table (evidence.hpp)
    if (const ClassName* c = find_class_name(key.substr(6))) return lang == Lang::ja ? c->ja : c->en;
  }
  for (const auto& m : kMessages)
    if (m.key == key) return lang == Lang::ja ? m.ja : m.en;
  return key;
}

std::string basis_text(std::string_view basis, Lang lang) {
  if (lang == Lang::en) return std::string(basis);
  auto with = [&](std::string_view key, std::string_view name, std::string_view value) {
    std::string t(msg(lang, key));
    const std::string ph = "{" + std::string(name) + "}";
    if (const auto at = t.find(ph); at != std::string::npos) t.replace(at, ph.size(), value);
    return t;
  };
  auto strip = [&](std::string_view prefix, std::string_view& rest) {
    if (!basis.starts_with(prefix) || basis.size() == prefix.size()) return false;
    rest = basis.substr(prefix.size());
    return true;
  };
  std::string_view rest;
  if (strip("snapshot ", rest)) {
    constexpr std::string_view kAt = " (newest at or before ";
    const auto at = rest.find(kAt);
    if (at != std::string_view::npos && rest.ends_with(")")) {
      std::string t = with("basis.snapshot_at", "name", rest.substr(0, at));
      const std::string_view time = rest.substr(at + kAt.size(), rest.size() - at - kAt.size() - 1);
      if (const auto p = t.find("{time}"); p != std::string::npos) t.replace(p, 6, time);
      return t;
    }
    return with("basis.snapshot", "name", rest);
  }
  if (strip("last ", rest) && rest.ends_with(" days")) {
    const std::string_view n = rest.substr(0, rest.size() - 5);
    if (!n.empty() && std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return with("basis.last_days", "n", n);
  }
  if (strip("since ", rest) || strip("--since ", rest)) return with("basis.since", "time", rest);
  return std::string(basis);
}

bool has_msg(std::string_view key) noexcept {
  if (key.starts_with("class.") && find_class_name(key.substr(6)) != nullptr) return true;
  return std::any_of(std::begin(kMessages), std::end(kMessages), [&](const Msg& m) { return m.key == key; });
}

std::vector<std::string_view> msg_keys() {
  std::vector<std::string_view> out;
  for (const auto& m : kMessages) out.push_back(m.key);
  static const std::vector<std::string> kClassKeys = [] {
    std::vector<std::string> keys;
    for (const auto& c : class_names()) keys.push_back("class." + std::string(c.code));
    return keys;
  }();
  for (const auto& k : kClassKeys) out.push_back(k);
  return out;
}

}  // namespace mieruka::inventory
