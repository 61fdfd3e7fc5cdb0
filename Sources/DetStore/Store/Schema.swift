/// The store's schema as named forward migrations. Migration *n* (1-based) brings
/// `PRAGMA user_version` from n-1 to n; a file whose version is above `Schema.version`
/// was written by a newer detkit and is refused rather than misread.
enum Schema {
  struct Migration {
    let name: String
    let sql: String
  }

  static let migrations: [Migration] = [
    Migration(
      name: "v1: datasets, categories, images, annotations, detections",
      sql: """
        CREATE TABLE datasets (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          format TEXT NOT NULL,
          source TEXT NOT NULL,
          created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        ) STRICT;
        CREATE TABLE categories (
          id INTEGER PRIMARY KEY,
          dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
          original_id ANY NOT NULL,
          idx INTEGER NOT NULL DEFAULT -1,
          name TEXT NOT NULL,
          supercategory TEXT,
          UNIQUE (dataset_id, original_id)
        ) STRICT;
        CREATE TABLE images (
          id INTEGER PRIMARY KEY,
          dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
          original_id ANY NOT NULL,
          file_name TEXT NOT NULL,
          width INTEGER NOT NULL CHECK (width > 0),
          height INTEGER NOT NULL CHECK (height > 0),
          UNIQUE (dataset_id, original_id)
        ) STRICT;
        CREATE TABLE annotations (
          id INTEGER PRIMARY KEY,
          dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
          ordinal INTEGER NOT NULL,
          original_id ANY NOT NULL,
          image_id ANY NOT NULL,
          category_id ANY NOT NULL,
          x REAL NOT NULL,
          y REAL NOT NULL,
          w REAL NOT NULL,
          h REAL NOT NULL,
          area REAL NOT NULL,
          iscrowd INTEGER NOT NULL,
          difficult INTEGER NOT NULL,
          truncated INTEGER NOT NULL,
          occluded INTEGER NOT NULL,
          pose TEXT,
          segmentation TEXT,
          extra TEXT
        ) STRICT;
        CREATE INDEX annotations_by_image ON annotations (dataset_id, image_id);
        CREATE TABLE detections (
          id INTEGER PRIMARY KEY,
          dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
          image_id ANY NOT NULL,
          category_id ANY NOT NULL,
          x REAL NOT NULL,
          y REAL NOT NULL,
          w REAL NOT NULL,
          h REAL NOT NULL,
          score REAL NOT NULL,
          segmentation TEXT
        ) STRICT;
        CREATE INDEX detections_by_image ON detections (dataset_id, image_id);
        """),
    Migration(
      name: "v2: loss runs (per-image losses for hard-example mining)",
      sql: """
        CREATE TABLE loss_runs (
          id INTEGER PRIMARY KEY,
          dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
          name TEXT NOT NULL UNIQUE,
          head TEXT NOT NULL,
          created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        ) STRICT;
        CREATE TABLE image_losses (
          run_id INTEGER NOT NULL REFERENCES loss_runs(id) ON DELETE CASCADE,
          image_id ANY NOT NULL,
          file_name TEXT NOT NULL,
          classification REAL NOT NULL,
          box REAL NOT NULL,
          positives INTEGER NOT NULL,
          ignored INTEGER NOT NULL,
          PRIMARY KEY (run_id, image_id)
        ) STRICT;
        CREATE INDEX image_losses_by_total ON image_losses (run_id, (classification + box) DESC);
        """),
    Migration(
      name: "v3: source members kept verbatim (COCO round trip)",
      sql: """
        ALTER TABLE datasets ADD COLUMN document TEXT;
        ALTER TABLE images ADD COLUMN extra TEXT;
        ALTER TABLE categories ADD COLUMN extra TEXT;
        ALTER TABLE annotations ADD COLUMN omitted INTEGER NOT NULL DEFAULT 0;
        """),
    Migration(
      name: "v4: named detection sets (earlier detections become set 'default')",
      sql: """
        ALTER TABLE detections ADD COLUMN set_name TEXT NOT NULL DEFAULT 'default';
        ALTER TABLE detections ADD COLUMN extra TEXT;
        CREATE INDEX detections_by_set ON detections (dataset_id, set_name, image_id);
        """),
    Migration(
      name: "v5: batch losses of a loss run (the training-log view)",
      sql: """
        CREATE TABLE batch_losses (
          run_id INTEGER NOT NULL REFERENCES loss_runs(id) ON DELETE CASCADE,
          batch INTEGER NOT NULL,
          images INTEGER NOT NULL,
          classification REAL NOT NULL,
          box REAL NOT NULL,
          ema_cost REAL NOT NULL,
          source TEXT NOT NULL,
          PRIMARY KEY (run_id, batch)
        ) STRICT;
        """),
    Migration(
      name: "v6: packed detection sets (a column copy of a set's detections for evaluation)",
      sql: """
        CREATE TABLE detection_packs (
          id INTEGER PRIMARY KEY,
          dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
          set_name TEXT NOT NULL,
          chunk INTEGER NOT NULL,
          count INTEGER NOT NULL,
          last_row INTEGER NOT NULL,
          data BLOB NOT NULL,
          UNIQUE (dataset_id, set_name, chunk)
        ) STRICT;
        CREATE TRIGGER detection_packs_stale_on_delete AFTER DELETE ON detections BEGIN
          DELETE FROM detection_packs
          WHERE dataset_id = OLD.dataset_id AND set_name = OLD.set_name;
        END;
        CREATE TRIGGER detection_packs_stale_on_update AFTER UPDATE ON detections BEGIN
          DELETE FROM detection_packs
          WHERE (dataset_id = OLD.dataset_id AND set_name = OLD.set_name)
            OR (dataset_id = NEW.dataset_id AND set_name = NEW.set_name);
        END;
        """),
  ]

  /// The version this build writes.
  static var version: Int { migrations.count }

  /// The oldest version a read-only connection reads as it is: v6 only adds
  /// `detection_packs`, a copy that readers do without (``packsVersion``).
  static let oldestReadable = 5
  /// The version that added `detection_packs`.
  static let packsVersion = 6

  /// Checks, without writing, that the file has a schema this build reads as it is
  /// (``oldestReadable`` ... ``version``), and returns its version.
  /// - Throws: `.newerSchema` above `version`; `.olderSchema` below ``oldestReadable``
  ///   (0: not a detkit store).
  @discardableResult
  static func requireCurrent(_ database: Database) throws -> Int {
    let current = Int(try database.scalarInt("PRAGMA user_version") ?? 0)
    if current > version { throw newerSchema(database, current) }
    if current == 0 {
      throw StoreError(
        .olderSchema,
        "\(database.path) is not a detkit store (no schema; empty or another program's database)")
    }
    if current < oldestReadable {
      throw StoreError(
        .olderSchema,
        "\(database.path) has schema version \(current); this detkit reads version \(version). Open it once with a command that writes (e.g. detkit import) to migrate it."
      )
    }
    return current
  }

  private static func newerSchema(_ database: Database, _ current: Int) -> StoreError {
    StoreError(
      .newerSchema,
      "\(database.path) has schema version \(current); this detkit reads up to version \(version). Use a newer detkit."
    )
  }

  /// Applies the missing migrations in one transaction.
  /// - Throws: `.newerSchema` when the file's version is above `version`.
  static func migrate(_ database: Database) throws {
    let current = Int(try database.scalarInt("PRAGMA user_version") ?? 0)
    if current > version { throw newerSchema(database, current) }
    guard current < version else { return }
    try database.transaction {
      for (offset, migration) in migrations.enumerated().dropFirst(current) {
        do {
          try database.execute(migration.sql)
        } catch var error as StoreError {
          error.message = "migration \"\(migration.name)\": " + error.message
          throw error
        }
        try database.execute("PRAGMA user_version = \(offset + 1)")
      }
    }
  }
}
