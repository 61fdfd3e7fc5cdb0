import DetTestSupport
import Foundation
import Testing

/// A little-endian NPY v1.0 file of `descr` ('<f4', '<f8', '<i8') with `shape` and raw bytes.
private func writeNPY(_ bytes: Data, descr: String, shape: [Int]) throws -> String {
  let shapeText =
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
  var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
  while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
  header += "\n"
  var data = Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0])
  data += Data([UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
  data += Data(header.utf8) + bytes
  let path = TestTemporaryRoot.url.appendingPathComponent(
    "detkit-loss-\(UUID()).npy"
  ).path
  try data.write(to: URL(fileURLWithPath: path))
  return path
}

private func npy(float32 values: [Float], shape: [Int]) throws -> String {
  try writeNPY(values.withUnsafeBytes { Data($0) }, descr: "<f4", shape: shape)
}

private func npy(float64 values: [Double], shape: [Int]) throws -> String {
  try writeNPY(values.withUnsafeBytes { Data($0) }, descr: "<f8", shape: shape)
}

private func npy(int64 values: [Int64], shape: [Int]) throws -> String {
  try writeNPY(values.withUnsafeBytes { Data($0) }, descr: "<i8", shape: shape)
}

/// The float32 body of an NPY file detkit wrote.
private func readFloat32NPY(_ path: String) throws -> (header: String, values: [Float]) {
  let data = try Data(contentsOf: URL(fileURLWithPath: path))
  let headerLength = Int(data[8]) | Int(data[9]) << 8
  let header = String(decoding: data[10..<10 + headerLength], as: UTF8.self)
  let body = data.subdata(in: 10 + headerLength..<data.count)
  let values = (0..<body.count / 4).map { i in
    Float(
      bitPattern: body.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self) })
  }
  return (header, values)
}

private func json(_ text: String) throws -> [String: Double] {
  try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Double] ?? [:]
}

@Test func lossFocalWithSoftTargetsMatchesTV2() throws {
  // REFERENCE.md TV2 in float64 files (converted to float32 on read).
  let logits = try npy(float64: [-3, -1, 0, 1, 3, -4.59511985013459, 20, -20], shape: [8])
  let targets = try npy(float64: [0, 1, 1, 0, 1, 0, 0, 1], shape: [8])
  let out = TestTemporaryRoot.url.appendingPathComponent(
    "detkit-loss-out-\(UUID()).npy"
  ).path
  let grad = TestTemporaryRoot.url.appendingPathComponent(
    "detkit-loss-grad-\(UUID()).npy"
  ).path
  defer {
    for p in [logits, targets, out, grad] { try? FileManager.default.removeItem(atPath: p) }
  }
  let result = try CLI.run([
    "loss", "focal", "--logits", logits, "--targets", targets, "--output", out, "--grad", grad,
  ])
  #expect(result.status == 0, "\(result.stderr)")
  let reply = try json(result.stdout)
  let expected = [
    8.19624933727e-05, 0.175467075853, 0.043321698785, 0.526401227559,
    2.73208311242e-05, 7.53775189013e-07, 14.9999999397, 4.9999999799,
  ]
  #expect(reply["count"] == 8)
  #expect(abs((reply["loss"] ?? 0) - expected.reduce(0, +)) <= 1e-5)
  let values = try readFloat32NPY(out)
  #expect(values.header.contains("'shape': (8,)"))
  for (a, b) in zip(values.values, expected) { #expect(abs(Double(a) - b) <= 3e-6 * b) }
  let gradient = try readFloat32NPY(grad).values
  #expect(abs(Double(gradient[6]) - 0.750000057197) <= 1e-6)
}

@Test func lossFocalWithLabelsAndNormalizer() throws {
  // 3 anchors x 2 classes; labels: class 1, background, ignored.
  let logits = try npy(float32: [0, 0, 0, 0, 5, 5], shape: [3, 2])
  let labels = try npy(int64: [1, -1, -2], shape: [3])
  defer { for p in [logits, labels] { try? FileManager.default.removeItem(atPath: p) } }
  let result = try CLI.run([
    "loss", "focal", "--logits", logits, "--targets", labels, "--normalizer", "2",
  ])
  #expect(result.status == 0, "\(result.stderr)")
  let reply = try json(result.stdout)
  #expect(reply["count"] == 4)
  // At x = 0 every element is alpha_t 0.25 ln 2 (p_t = 1/2, (1 - p_t)^2 = 1/4): positive
  // 0.25 * 0.25 ln2, negatives 0.75 * 0.25 ln2 (three of them).
  let expected = (0.25 * 0.25 + 3 * 0.75 * 0.25) * log(2.0) / 2
  #expect(abs((reply["loss"] ?? 0) - expected) <= 1e-6)
  // detectron2 codes: background = C, ignore negative.
  let d2 = try npy(int64: [1, 2, -1], shape: [3])
  defer { try? FileManager.default.removeItem(atPath: d2) }
  let same = try CLI.run([
    "loss", "focal", "--logits", logits, "--targets", d2, "--convention", "detectron2",
    "--normalizer", "2",
  ])
  #expect(same.stdout == result.stdout)
}

@Test func lossRegressionAndIoU() throws {
  let d = try npy(float32: [0, 0.05, 1.0 / 9, 0.2, 1, -2], shape: [6])
  let zeros = try npy(float32: [0, 0, 0, 0, 0, 0], shape: [6])
  let boxes = try npy(float32: [0, 0, 10, 10, 0, 0, 10, 10], shape: [2, 4])
  let gt = try npy(float32: [5, 5, 20, 15, 20, 20, 30, 40], shape: [2, 4])
  defer { for p in [d, zeros, boxes, gt] { try? FileManager.default.removeItem(atPath: p) } }
  let smooth = try CLI.run([
    "loss", "smooth-l1", "--input", d, "--targets", zeros, "--beta", "0.1111111111111111",
  ])
  #expect(smooth.status == 0, "\(smooth.stderr)")
  let tv3 = [0, 0.01125, 0.0555555555556, 0.144444444444, 0.944444444444, 1.94444444444].reduce(
    0, +)
  #expect(abs((try json(smooth.stdout)["loss"] ?? 0) - tv3) <= 1e-6)
  let l1 = try CLI.run(["loss", "l1", "--input", d, "--targets", zeros, "--reduction", "mean"])
  #expect(abs((try json(l1.stdout)["loss"] ?? 0) - (0.05 + 1.0 / 9 + 0.2 + 1 + 2) / 6) <= 1e-6)
  let giou = try CLI.run(["loss", "giou", "--input", boxes, "--targets", gt, "--reduction", "none"])
  #expect(giou.status == 0, "\(giou.stderr)")
  #expect(
    abs((try json(giou.stdout)["loss"] ?? 0) - (1.1388888888549382 + 1.7499999999375)) <= 1e-5)
}

@Test func lossUsageAndInputErrors() throws {
  let logits = try npy(float32: [0, 0, 0, 0], shape: [2, 2])
  let badLabels = try npy(int64: [0, 7], shape: [2])
  defer { for p in [logits, badLabels] { try? FileManager.default.removeItem(atPath: p) } }
  let usage = try CLI.run([
    "loss", "focal", "--logits", logits, "--targets", badLabels, "--gamma=-1",
  ])
  #expect(usage.status == 64)
  let normalizer = try CLI.run([
    "loss", "l1", "--input", logits, "--targets", logits, "--normalizer", "0",
  ])
  #expect(normalizer.status == 64)
  let invalid = try CLI.run(["loss", "focal", "--logits", logits, "--targets", badLabels])
  #expect(invalid.status == 1)
  #expect(invalid.stderr.contains("labels[1]"))
  let shape = try CLI.run(["loss", "giou", "--input", logits, "--targets", logits])
  #expect(shape.status == 1 && shape.stderr.contains("[N, 4]"))
}
