// Every label of the console, in English and Japanese: the one message table.
// Pages take labels from here by key (t('assets.title')); nothing is hard-coded.
export const messages = {
  en: {
    'nav.overview': 'Overview', 'nav.assets': 'Assets', 'nav.topology': 'Topology', 'nav.findings': 'Findings',
    'nav.changes': 'Changes', 'nav.reports': 'Reports', 'nav.logout': 'Log out',
    'login.title': 'Log in to Mieruka', 'login.user': 'User name', 'login.password': 'Password',
    'login.submit': 'Log in', 'login.failed': 'Wrong user name or password.',
    'login.limited': 'Too many failed logins. Wait 5 minutes.',
    'common.loading': 'Loading…', 'common.none': 'Nothing here yet.', 'common.error': 'Error',
    'common.saved': 'Saved.', 'common.prev': 'Previous', 'common.next': 'Next', 'common.page': 'Page',
    'common.of': 'of', 'common.all': 'All', 'common.yes': 'Yes', 'common.no': 'No', 'common.print': 'Print',
    'overview.title': 'Overview', 'overview.assets': 'Devices', 'overview.links': 'Conversations',
    'overview.findings_open': 'Open findings', 'overview.unapproved': 'Not on the approved list',
    'overview.by_class': 'Devices by class', 'overview.by_zone': 'Devices by zone',
    'overview.findings_by_item': 'Open findings by checklist item', 'overview.since': 'Changes since the last snapshot',
    'overview.no_snapshot': 'No snapshot yet (mieruka snapshot).', 'overview.capture': 'Capture health',
    'overview.packets': 'Packets', 'overview.drops': 'Dropped packets', 'overview.uptime': 'Console uptime (s)',
    'overview.no_zone': '(no zone)', 'overview.count': 'Count',
    'col.name': 'Name', 'col.ip': 'IP', 'col.mac': 'MAC', 'col.vendor': 'Vendor', 'col.product': 'Product',
    'col.class': 'Class', 'col.zone': 'Zone', 'col.approved': 'Approved', 'col.location': 'Location (approved list)', 'col.owner': 'Owner (approved list)', 'col.listed_zone': 'Zone (approved list)', 'col.findings': 'Findings',
    'col.last_seen': 'Last seen', 'col.first_seen': 'First seen', 'col.field': 'Field', 'col.value': 'Value',
    'col.source': 'Source', 'col.count': 'Count', 'col.peer': 'Peer', 'col.direction': 'Direction',
    'col.protocol': 'Protocol', 'col.port': 'Port', 'col.packets': 'Packets', 'col.type': 'Type',
    'col.item': 'Checklist item', 'col.severity': 'Severity', 'col.evidence': 'Evidence', 'col.state': 'State',
    'col.asset': 'Device', 'col.action': 'Action', 'col.old': 'Old', 'col.new': 'New', 'col.interface': 'Interface',
    'col.revision': 'Revision', 'col.serial': 'Serial', 'col.protocols': 'Protocols', 'col.snapshot': 'Snapshot',
    'col.taken': 'Taken',
    'assets.title': 'Assets', 'assets.search': 'Search name, IP, MAC, vendor…', 'assets.class': 'Class',
    'assets.zone': 'Zone', 'assets.vendor': 'Vendor', 'assets.approved': 'Approved', 'assets.total': 'devices',
    'asset.title': 'Device', 'asset.facts': 'Every fact and its source', 'asset.ips': 'IP addresses',
    'asset.peers': 'Peers and protocols', 'asset.findings': 'Findings', 'asset.approve': 'Approve this device',
    'asset.not_found': 'No such device.', 'asset.summary': 'Summary',
    'topology.title': 'Topology', 'topology.help': 'Drag to pan, wheel to zoom, click a device to open it. Flagged devices are red.',
    'topology.reset': 'Reset view', 'topology.unavailable': 'This build cannot draw the diagram (no Graphviz).',
    'findings.title': 'Findings', 'findings.ack': 'Acknowledge', 'findings.comment': 'Comment (why it is accepted)',
    'findings.approve': 'Approve device', 'findings.open': 'open', 'findings.acknowledged': 'acknowledged',
    'findings.state': 'State', 'findings.need_comment': 'Write a comment first.', 'findings.admin_only': 'Only admins can acknowledge or approve.',
    'changes.title': 'Changes', 'changes.from': 'From', 'changes.to': 'To', 'changes.now': 'now',
    'changes.show': 'Show the differences', 'changes.new_assets': 'New devices', 'changes.vanished_assets': 'Vanished devices',
    'changes.changed_assets': 'Changed devices', 'changes.new_links': 'New conversations',
    'changes.vanished_links': 'Vanished conversations', 'changes.drops': 'Capture drops in between',
    'changes.no_snapshots': 'No snapshots yet: take one with `mieruka snapshot`.',
    'reports.title': 'Reports',     'reports.findings': 'Findings by checklist item (printable)', 'reports.audit': 'Audit log',
    'reports.checklist': 'Checklist evidence (METI factory security guidelines)', 'reports.checklist_html': 'Printable report (HTML)',
    'reports.checklist_csv': 'Spreadsheet (CSV)', 'reports.checklist_json': 'For the self-assessment tool (JSON)',
    'reports.acceptance': 'Acceptance report (new machines)', 'reports.acceptance_since': 'What is new since snapshot',
    'type.unapproved': 'unapproved', 'type.hidden': 'hidden OT device', 'type.wireless': 'wireless', 'type.cross_zone': 'across zones',
    'type.remote_access': 'remote access', 'type.insecure': 'insecure', 'type.new_writer': 'new writer', 'type.control': 'control command',
    'type.internet': 'internet', 'severity.high': 'high', 'severity.medium': 'medium', 'severity.low': 'low',
    'type.vulnerable': 'published advisory', 'nav.advisories': 'Advisories', 'advisories.title': 'Published advisories',
    'advisories.imported': 'Imported:', 'advisories.affecting': 'affecting devices here:',
    'advisories.none': 'No advisory imported yet: `mieruka advisories import PATH`.',
    'advisories.admin_only': 'Only admins can record a remediation state.',
    'advisories.confidence': 'Match', 'advisories.cvss': 'CVSS', 'advisories.cves': 'CVEs', 'advisories.state': 'Remediation state',
    'advisories.comment': 'Comment (what was done)', 'advisories.record': 'Record',
    'confidence.confirmed': 'confirmed (model and firmware)', 'confidence.possible': 'possible (firmware unknown)',
    'state.not_remediated': 'not remediated', 'state.in_progress': 'in progress', 'state.compensated': 'compensated (alternative measure)',
    'state.remediated': 'remediated', 'state.not_affected': 'not affected',
    'findings.in_progress': 'in progress', 'findings.compensated': 'compensated', 'findings.remediated': 'remediated',
    'findings.not_affected': 'not affected',
  },
  ja: {
    'nav.overview': '概要', 'nav.assets': '機器一覧', 'nav.topology': 'ネットワーク図', 'nav.findings': '指摘事項',
    'nav.changes': '変更履歴', 'nav.reports': 'レポート', 'nav.logout': 'ログアウト',
    'login.title': 'Mieruka にログイン', 'login.user': 'ユーザー名', 'login.password': 'パスワード',
    'login.submit': 'ログイン', 'login.failed': 'ユーザー名またはパスワードが違います。',
    'login.limited': 'ログインの失敗が多すぎます。5分待ってください。',
    'common.loading': '読み込み中…', 'common.none': 'まだありません。', 'common.error': 'エラー',
    'common.saved': '保存しました。', 'common.prev': '前へ', 'common.next': '次へ', 'common.page': 'ページ',
    'common.of': '/', 'common.all': 'すべて', 'common.yes': 'はい', 'common.no': 'いいえ', 'common.print': '印刷',
    'overview.title': '概要', 'overview.assets': '機器数', 'overview.links': '通信の数',
    'overview.findings_open': '未対応の指摘', 'overview.unapproved': '承認リストにない機器',
    'overview.by_class': '種別ごとの機器数', 'overview.by_zone': 'ゾーンごとの機器数',
    'overview.findings_by_item': 'チェック項目ごとの未対応の指摘', 'overview.since': '前回のスナップショットからの変更',
    'overview.no_snapshot': 'スナップショットがまだありません (mieruka snapshot)。', 'overview.capture': 'キャプチャの状態',
    'overview.packets': 'パケット数', 'overview.drops': '取りこぼしたパケット', 'overview.uptime': 'コンソール稼働時間 (秒)',
    'overview.no_zone': '(ゾーンなし)', 'overview.count': '件数',
    'col.name': '機器名', 'col.ip': 'IPアドレス', 'col.mac': 'MACアドレス', 'col.vendor': 'ベンダー', 'col.product': '製品',
    'col.class': '種別', 'col.zone': 'ゾーン', 'col.approved': '承認済み', 'col.location': '設置場所（承認リスト）', 'col.owner': '管理者（承認リスト）', 'col.listed_zone': 'ゾーン（承認リスト）', 'col.findings': '指摘',
    'col.last_seen': '最終確認', 'col.first_seen': '初回確認', 'col.field': '項目', 'col.value': '値',
    'col.source': '情報源', 'col.count': '回数', 'col.peer': '通信相手', 'col.direction': '方向',
    'col.protocol': 'プロトコル', 'col.port': 'ポート', 'col.packets': 'パケット数', 'col.type': '種類',
    'col.item': 'チェック項目', 'col.severity': '重要度', 'col.evidence': '根拠', 'col.state': '状態',
    'col.asset': '機器', 'col.action': '操作', 'col.old': '変更前', 'col.new': '変更後', 'col.interface': 'インターフェース',
    'col.revision': 'リビジョン', 'col.serial': 'シリアル番号', 'col.protocols': 'プロトコル', 'col.snapshot': 'スナップショット',
    'col.taken': '取得日時',
    'assets.title': '機器一覧', 'assets.search': '機器名・IP・MAC・ベンダーで検索…', 'assets.class': '種別',
    'assets.zone': 'ゾーン', 'assets.vendor': 'ベンダー', 'assets.approved': '承認', 'assets.total': '台',
    'asset.title': '機器', 'asset.facts': 'すべての情報とその情報源', 'asset.ips': 'IPアドレス',
    'asset.peers': '通信相手とプロトコル', 'asset.findings': '指摘事項', 'asset.approve': 'この機器を承認する',
    'asset.not_found': 'その機器はありません。', 'asset.summary': '概要',
    'topology.title': 'ネットワーク図', 'topology.help': 'ドラッグで移動、ホイールで拡大縮小、機器をクリックで詳細。指摘のある機器は赤で表示。',
    'topology.reset': '表示を戻す', 'topology.unavailable': 'このビルドでは図を描けません (Graphviz なし)。',
    'findings.title': '指摘事項', 'findings.ack': '確認済みにする', 'findings.comment': 'コメント (許容する理由)',
    'findings.approve': '機器を承認', 'findings.open': '未対応', 'findings.acknowledged': '確認済み',
    'findings.state': '状態', 'findings.need_comment': '先にコメントを書いてください。', 'findings.admin_only': '確認・承認は管理者だけができます。',
    'changes.title': '変更履歴', 'changes.from': '比較元', 'changes.to': '比較先', 'changes.now': '現在',
    'changes.show': '差分を表示', 'changes.new_assets': '新しい機器', 'changes.vanished_assets': '見えなくなった機器',
    'changes.changed_assets': '変わった機器', 'changes.new_links': '新しい通信',
    'changes.vanished_links': 'なくなった通信', 'changes.drops': '期間中の取りこぼし',
    'changes.no_snapshots': 'スナップショットがまだありません。`mieruka snapshot` で取得してください。',
    'reports.title': 'レポート',     'reports.findings': 'チェック項目ごとの指摘 (印刷用)', 'reports.audit': '操作ログ',
    'reports.checklist': 'チェックリストの証跡 (工場セキュリティガイドライン)', 'reports.checklist_html': '印刷用レポート (HTML)',
    'reports.checklist_csv': '表計算用 (CSV)', 'reports.checklist_json': '自己評価ツール用 (JSON)',
    'reports.acceptance': '受入レポート (新しい機械)', 'reports.acceptance_since': 'スナップショット以降の新しい機器:',
    'type.unapproved': '未承認機器', 'type.hidden': '未承認のOT機器', 'type.wireless': '無線', 'type.cross_zone': 'ゾーン間通信',
    'type.remote_access': 'リモートアクセス', 'type.insecure': '安全でない設定', 'type.new_writer': '新たな書き込み元', 'type.control': '制御コマンド',
    'type.internet': 'インターネット通信', 'severity.high': '高', 'severity.medium': '中', 'severity.low': '低',
    'type.vulnerable': '公開アドバイザリ該当', 'nav.advisories': 'アドバイザリ', 'advisories.title': '公開アドバイザリ',
    'advisories.imported': '取り込み済み:', 'advisories.affecting': 'うち当工場の機器に該当:',
    'advisories.none': 'アドバイザリがまだ取り込まれていません。`mieruka advisories import PATH` で取り込んでください。',
    'advisories.admin_only': '対策状況の記録は管理者だけができます。',
    'advisories.confidence': '該当の確度', 'advisories.cvss': 'CVSS', 'advisories.cves': 'CVE', 'advisories.state': '対策状況',
    'advisories.comment': 'コメント (実施内容)', 'advisories.record': '記録',
    'confidence.confirmed': '確定 (型式とファームウェア)', 'confidence.possible': '可能性 (ファームウェア不明)',
    'state.not_remediated': '未対策', 'state.in_progress': '対策中', 'state.compensated': '代替策',
    'state.remediated': '対策済み', 'state.not_affected': '該当せず',
    'findings.in_progress': '対策中', 'findings.compensated': '代替策', 'findings.remediated': '対策済み',
    'findings.not_affected': '該当せず',
  },
};

let lang = (() => {
  let stored = null;
  try { stored = localStorage.getItem('mieruka.lang'); } catch { /* private mode */ }
  if (stored && messages[stored]) return stored;
  return (navigator.language || '').startsWith('ja') ? 'ja' : 'en';
})();

export function getLang() { return lang; }

export function setLang(l) {
  lang = messages[l] ? l : 'en';
  try { localStorage.setItem('mieruka.lang', lang); } catch { /* private mode */ }
  document.documentElement.lang = lang;
}

export function t(key) {
  return (messages[lang] && messages[lang][key]) || messages.en[key] || key;
}

// The label of a value from the API (a finding type, a severity), or the value.
export function tv(prefix, value) {
  const key = prefix + '.' + value;
  return (messages[lang] && messages[lang][key]) || messages.en[key] || String(value);
}

// Fills every element with data-i18n="key" (the static shell in index.html).
export function translateStatic(root = document) {
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.getAttribute('data-i18n'));
}
