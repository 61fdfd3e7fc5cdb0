import Foundation
import Testing

@testable import DetStore

@Test(
  "stats agree with counts made from Foundation's reading of the file",
  .enabled(if: datasetsPresent, "../shared/datasets is absent; skipping real samples"),
  arguments: ["coco_val2014_100/instances_val2014_100.json", "lvis_val2017_100/lvis_val_100.json"])
func statisticsMatchAnIndependentCount(sample: String) throws {
  let url = sharedDatasets.appendingPathComponent(sample)
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
  #expect(s.imageSizes.map(\.images).reduce(0, +) == images.count)
}
