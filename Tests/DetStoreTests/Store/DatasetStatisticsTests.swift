import DetSupport
import Foundation
import Testing

@testable import DetStore

@Test(
  "stats agree with counts made from Foundation's reading of the file",
  .enabled(if: datasetsPresent, "../shared/datasets is absent; skipping real samples"),
  arguments: ["coco_val2014_100/instances_val2014_100.json", "lvis_val2017_100/lvis_val_100.json"])
func statisticsMatchAnIndependentCount(sample: String) throws {
  try expectStatisticsMatchFoundation(sharedDatasets.appendingPathComponent(sample))
}

/// The same on the fixtures: small, medium and large mask areas (not w * h), crowd boxes,
/// images without boxes, 40 categories of which 4 are used (tools/make_format_fixtures.py).
@Test(
  "stats of the fixtures agree with counts made from Foundation's reading of the file",
  arguments: ["coco/crowd_rle.json", "coco/lvis_like.json", "coco/zero_based.json"])
func fixtureStatisticsMatchAnIndependentCount(sample: String) throws {
  try expectStatisticsMatchFoundation(FormatFixtures.fixture("formats/" + sample))
}

/// A fixture stated by hand: crowd_rle.json's areas are 62626.5, 401.2, 45210 (crowd), 1800,
/// 15.4, 150000 (crowd), 9120, 1023.9, 1024: small < 32^2 <= medium < 96^2 <= large.
@Test func fixtureStatisticsByHand() throws {
  let temp = try TemporaryStore()
  _ = try COCOImporter(path: FormatFixtures.fixture("formats/coco/crowd_rle.json").path)
    .importDataset(into: temp.opened, named: "c")
  let s = try temp.opened.statistics(of: "c")
  #expect(s.small == 3 && s.medium == 3 && s.large == 3 && s.crowd == 2)
  #expect(s.boxesPerImageMax == 3 && s.boxesPerImageMin == 0 && s.imagesWithoutAnnotations == 1)
  #expect(s.perCategory.map(\.annotations) == [4, 2, 1, 1, 1])
}

private func expectStatisticsMatchFoundation(_ url: URL) throws {
  let json = try foundationJSON(url)
  let annotations = json["annotations"] as! [[String: Any]]
  let images = json["images"] as! [[String: Any]]
  let areas = annotations.map { ($0["area"] as! NSNumber).doubleValue }
  let temp = try TemporaryStore()
  _ = try COCOImporter(path: url.path).importDataset(into: temp.opened, named: "s")
  let s = try temp.opened.statistics(of: "s")
  #expect(s.small == areas.filter { $0 < 32 * 32 }.count)
  #expect(s.medium == areas.filter { $0 >= 32 * 32 && $0 < 96 * 96 }.count)
  #expect(s.large == areas.filter { $0 >= 96 * 96 }.count)
  // The boxes' own areas, and the stored areas no box could hold.
  let boxAreas = annotations.map {
    let b = ($0["bbox"] as! [NSNumber]).map(\.doubleValue)
    return b[2] * b[3]
  }
  #expect(
    s.areasAboveBox == zip(areas, boxAreas).filter { $0 > $1 * 1.01 + 1 }.count)
  let byBox = try temp.opened.statistics(of: "s", area: .box)
  #expect(byBox.areaSource == .box && s.areaSource == .stored)
  #expect(byBox.small == boxAreas.filter { $0 < 32 * 32 }.count)
  #expect(byBox.medium == boxAreas.filter { $0 >= 32 * 32 && $0 < 96 * 96 }.count)
  #expect(byBox.large == boxAreas.filter { $0 >= 96 * 96 }.count)
  var perImage: [RecordID: Int] = [:]
  for a in annotations { perImage[independentID(a["image_id"]!), default: 0] += 1 }
  let counts = images.map { perImage[independentID($0["id"]!)] ?? 0 }
  #expect(s.boxesPerImageMax == counts.max())
  #expect(s.boxesPerImageMin == counts.min())
  #expect(abs(s.boxesPerImageMean - Double(counts.reduce(0, +)) / Double(counts.count)) < 1e-12)
  #expect(s.imagesWithoutAnnotations == counts.filter { $0 == 0 }.count)
  var perCategory: [RecordID: Int] = [:]
  for a in annotations { perCategory[independentID(a["category_id"]!), default: 0] += 1 }
  for c in s.perCategory { #expect(c.annotations == perCategory[c.id] ?? 0, "category \(c.id)") }
  var imagesPerCategory: [RecordID: Set<RecordID>] = [:]
  for a in annotations {
    imagesPerCategory[independentID(a["category_id"]!), default: []].insert(
      independentID(a["image_id"]!))
  }
  for c in s.perCategory {
    #expect(c.images == imagesPerCategory[c.id]?.count ?? 0, "category \(c.id)")
  }
  #expect(s.imageSizes.map(\.images).reduce(0, +) == images.count)
}

/// Annotations listed out of image order (images 2, 1, 2, 3, 1), with ids of both kinds: the
/// per-category image counts and the boxes per image still count each image once; progress
/// ends at the annotation total.
@Test func statisticsOfInterleavedAnnotations() throws {
  let temp = try TemporaryStore()
  let json = """
    {"images":[{"id":1,"file_name":"a","width":100,"height":100},
      {"id":"2","file_name":"b","width":100,"height":50},
      {"id":3,"file_name":"c","width":100,"height":100},
      {"id":4,"file_name":"d","width":10,"height":10}],
     "annotations":[
      {"id":1,"image_id":"2","category_id":7,"bbox":[0,0,10,10],"area":100,"iscrowd":0},
      {"id":2,"image_id":1,"category_id":7,"bbox":[0,0,40,40],"area":1600,"iscrowd":0},
      {"id":3,"image_id":"2","category_id":7,"bbox":[0,0,10,10],"area":100,"iscrowd":1},
      {"id":4,"image_id":3,"category_id":"x","bbox":[0,0,99,99],"area":9801,"iscrowd":0},
      {"id":5,"image_id":1,"category_id":"x","bbox":[0,0,10,10],"area":100,"iscrowd":0}],
     "categories":[{"id":7,"name":"seven"},{"id":"x","name":"ex"},{"id":9,"name":"unused"}]}
    """
  let url = temp.directory.appendingPathComponent("interleaved.json")
  try Data(json.utf8).write(to: url)
  _ = try COCOImporter(path: url.path).importDataset(into: temp.opened, named: "i")
  let reports = ProgressLog()
  let s = try temp.opened.statistics(of: "i", progress: { reports.append($0) })
  let counts = Dictionary(uniqueKeysWithValues: s.perCategory.map { ($0.name, $0) })
  // seven: images 2, 1, 2 -> 3 annotations on 2 images; ex: images 3, 1 -> 2 on 2.
  #expect(counts["seven"]?.annotations == 3 && counts["seven"]?.images == 2)
  #expect(counts["ex"]?.annotations == 2 && counts["ex"]?.images == 2)
  #expect(counts["unused"]?.annotations == 0 && counts["unused"]?.images == 0)
  // Boxes per image: 2, 2, 1, 0.
  #expect(s.boxesPerImageMin == 0 && s.boxesPerImageMax == 2 && s.imagesWithoutAnnotations == 1)
  #expect(s.boxesPerImageMean == 5.0 / 4.0)
  #expect(s.crowd == 1 && s.small == 3 && s.medium == 1 && s.large == 1)
  #expect(reports.last == WorkProgress(done: 5, total: 5, unit: .records))
}

/// Collects progress reports (called on the caller's thread here).
private final class ProgressLog: @unchecked Sendable {
  private(set) var reports: [WorkProgress] = []
  func append(_ report: WorkProgress) { reports.append(report) }
  var last: WorkProgress? { reports.last }
}

/// zero_based.json stores the image's area on every annotation (as VisDrone's COCO files do):
/// 4 of its 5 stored areas exceed their box (the fourth box covers its whole 1360x765
/// image), and the stored size classes call every box large.
@Test func storedAreasLargerThanTheirBoxesAreCounted() throws {
  let temp = try TemporaryStore()
  _ = try COCOImporter(path: FormatFixtures.fixture("formats/coco/zero_based.json").path)
    .importDataset(into: temp.opened, named: "z")
  let stored = try temp.opened.statistics(of: "z")
  #expect(stored.annotations == 5 && stored.areasAboveBox == 4)
  #expect(stored.large == 5)
  let byBox = try temp.opened.statistics(of: "z", area: .box)
  #expect(byBox.areasAboveBox == stored.areasAboveBox)
  #expect(byBox.large < stored.large)
}
