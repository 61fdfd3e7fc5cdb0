import Foundation
import Testing

/// One element-loss command with one NaN or infinity planted in one of its input files.
struct PlantedValue: Sendable, CustomTestStringConvertible {
  var loss: String
  /// The option whose file holds the value.
  var option: String
  var row: Int
  var column: Int
  var value: Double
  /// Write that file as float64 (a finite value beyond float32's range becomes inf).
  var float64 = false

  var testDescription: String { "\(loss) \(option) \(value)" }

  var isIoULoss: Bool { ["giou", "diou", "ciou"].contains(loss) }
  var isFocal: Bool { ["focal", "bce"].contains(loss) }
  /// [rows, columns] of the file.
  var shape: [Int] { isIoULoss ? [3, 4] : (isFocal ? [4, 3] : [4, 4]) }
  var flatIndex: Int { row * shape[1] + column }
  /// The per-element output the value reaches: its element, or its box for the IoU losses.
  var reachedElement: Int { isIoULoss ? row : flatIndex }
  /// How the error prints the value.
  var valueText: String {
    float64 && Double(Float(value)) != value && value.isFinite
      ? "inf (\(value) is beyond float32's range)" : "\(Float(value))"
  }
}

/// Writes the command's two input files (the planted value in `planted.option`'s) into
/// `dir`; returns the arguments naming them and the planted file's path.
private func inputs(for planted: PlantedValue, in dir: URL) throws -> (
  arguments: [String], file: String
) {
  let shape = planted.shape
  let count = shape[0] * shape[1]
  let prediction: [Double]
  let target: [Double]
  if planted.isIoULoss {
    prediction = [0, 0, 10, 10, 1, 1, 6, 5, 2, 2, 8, 9]
    target = [0.5, 0.5, 10, 11, 1, 2, 5, 5, 3, 2, 8, 8]
  } else {
    prediction = (0..<count).map { Double($0 % 7) * 0.5 - 1.5 }
    target = [Double](repeating: 0, count: count)
  }
  let (predictionOption, targetOption) =
    planted.isFocal ? ("--logits", "--targets") : ("--input", "--targets")
  var arguments = [planted.loss]
  var plantedFile = ""
  for (option, var values) in [(predictionOption, prediction), (targetOption, target)] {
    let file = dir.appendingPathComponent("\(option.dropFirst(2)).npy")
    if option == planted.option {
      values[planted.flatIndex] = planted.value
      plantedFile = file.path
    }
    let data: Data
    if planted.isFocal && option == "--targets" && option != planted.option {
      // Integer labels [N]: background, class 0, class 2, background (none ignored).
      data = NPYBytes.int64([-1, 0, 2, -1])
    } else if planted.float64 && option == planted.option {
      data = NPYBytes.file(descr: "<f8", shape: shape, bytes: values.withUnsafeBytes { Data($0) })
    } else {
      let floats = values.map { Float($0) }
      data = NPYBytes.file(descr: "<f4", shape: shape, bytes: floats.withUnsafeBytes { Data($0) })
    }
    try data.write(to: file)
    arguments += [option, file.path]
  }
  return (arguments, plantedFile)
}

private let plantedValues: [PlantedValue] = [
  PlantedValue(loss: "focal", option: "--logits", row: 1, column: 2, value: .nan),
  PlantedValue(loss: "focal", option: "--targets", row: 3, column: 1, value: .nan),
  PlantedValue(loss: "bce", option: "--logits", row: 2, column: 0, value: .infinity),
  PlantedValue(loss: "smooth-l1", option: "--input", row: 0, column: 3, value: -.infinity),
  PlantedValue(loss: "smooth-l1", option: "--targets", row: 3, column: 1, value: .nan),
  PlantedValue(loss: "l1", option: "--input", row: 0, column: 3, value: 1e300, float64: true),
  PlantedValue(loss: "huber", option: "--targets", row: 2, column: 2, value: .infinity),
  PlantedValue(loss: "giou", option: "--input", row: 1, column: 3, value: .nan),
  PlantedValue(loss: "diou", option: "--targets", row: 2, column: 0, value: .infinity),
  PlantedValue(loss: "ciou", option: "--input", row: 0, column: 1, value: -.infinity),
]

/// By default a NaN or infinity in any input of an element loss is an error (exit 1) naming
/// the file, the option, the shape, the flat index and the row and column.
@Test(arguments: plantedValues)
func nonFiniteInputIsAnErrorNamingTheElement(_ planted: PlantedValue) throws {
  let dir = try NPYBytes.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let (arguments, file) = try inputs(for: planted, in: dir)
  let r = try CLI.run(["loss"] + arguments)
  #expect(r.status == 1, "\(r.stderr)")
  #expect(r.stdout.isEmpty)
  let expected =
    "\(file): \(planted.option) \(planted.shape): first non-finite value \(planted.valueText) "
    + "at flat index \(planted.flatIndex) (row \(planted.row), column \(planted.column)); "
    + "pass --non-finite propagate"
  #expect(r.stderr.contains(expected), "\(r.stderr)")
}

/// With `--non-finite propagate` the loss is computed: exactly the element the value reaches
/// (its box for the IoU losses) is NaN or infinite in `--output`, and the reduced loss is
/// printed as null.
@Test(arguments: plantedValues)
func propagatedNonFiniteInputReachesItsElementAndTheSum(_ planted: PlantedValue) throws {
  let dir = try NPYBytes.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let (arguments, _) = try inputs(for: planted, in: dir)
  let output = dir.appendingPathComponent("per-element.npy")
  let r = try CLI.run(
    ["loss"] + arguments + ["--non-finite", "propagate", "--output", output.path])
  #expect(r.status == 0, "\(r.stderr)")
  let reply = try #require(
    try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
  #expect(reply["loss"] is NSNull, "\(r.stdout)")
  let values = try #require(Demo.readFloat32(try Data(contentsOf: output)))
  #expect(values.indices.filter { !values[$0].isFinite } == [planted.reachedElement])
}

// MARK: - Predictions over a stored dataset

/// RetinaNet anchors of the two images with --resize none.
private let retinaNetAnchors = [
  1: StoreFixtures.retinaNetAnchorCount(height: 96, width: 96),
  2: StoreFixtures.retinaNetAnchorCount(height: 64, width: 96),
]

/// Finite RetinaNet predictions for both images: logits [N, 2] and deltas [N, 4].
private func finitePredictions() -> [Int: (logits: [Float], deltas: [Float])] {
  retinaNetAnchors.mapValues { n in
    (
      (0..<(2 * n)).map { Float($0 % 11) * 0.5 - 4 },
      (0..<(4 * n)).map { Float($0 % 5) * 0.1 - 0.2 }
    )
  }
}

private func writeFolder(_ predictions: [Int: (logits: [Float], deltas: [Float])], to folder: URL)
  throws
{
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  for (id, p) in predictions {
    let n = p.deltas.count / 4
    try NPYBytes.file(descr: "<f4", shape: [n, 2], bytes: p.logits.withUnsafeBytes { Data($0) })
      .write(to: folder.appendingPathComponent("\(id).cls.npy"))
    try NPYBytes.float32(p.deltas, rows: n).write(
      to: folder.appendingPathComponent("\(id).box.npy"))
  }
}

/// A safetensors file of float32 tensors (8-byte little-endian header length, JSON header).
private func safetensors(_ tensors: [(name: String, shape: [Int], values: [Float])]) -> Data {
  var entries: [String] = []
  var body = Data()
  for t in tensors {
    let start = body.count
    body += t.values.withUnsafeBytes { Data($0) }
    entries.append(
      "\"\(t.name)\":{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(start),\(body.count)]}"
    )
  }
  var header = "{" + entries.joined(separator: ",") + "}"
  while header.utf8.count % 8 != 0 { header += " " }
  var length = UInt64(header.utf8.count).littleEndian
  return Data(bytes: &length, count: 8) + Data(header.utf8) + body
}

private func jsonLines(_ text: String) throws -> [[String: Any]] {
  try text.split(separator: "\n").map {
    try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
  }
}

@Test func nonFinitePredictionIsAnErrorNamingFileTensorAnchorAndClass() throws {
  let dir = try NPYBytes.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let db = try StoreFixtures.emptyAndOneBoxStore(in: dir)
  let loss = [
    "loss", "retinanet", "--db", db, "--name", "two", "--resize", "none", "--predictions",
  ]
  var predictions = finitePredictions()

  // A NaN logit of image 1, anchor 5, class 1 (flat index 11) in an NPY folder.
  predictions[1]!.logits[11] = .nan
  let folder = dir.appendingPathComponent("npy")
  try writeFolder(predictions, to: folder)
  let r = try CLI.run(loss + [folder.path])
  #expect(r.status == 1)
  #expect(
    r.stderr.contains(
      "\(folder.path)/1.cls.npy: cls_logits of image 1 [\(retinaNetAnchors[1]!), 2]: first non-finite value nan at flat index 11 (anchor 5, class 1)"
    ), "\(r.stderr)")

  // An infinite delta of image 2, anchor 3, coordinate 0 (flat index 12) in safetensors.
  predictions = finitePredictions()
  predictions[2]!.deltas[12] = .infinity
  let archive = dir.appendingPathComponent("p.safetensors")
  try safetensors(
    predictions.sorted { $0.key < $1.key }.flatMap { id, p in
      [
        (name: "\(id)/cls_logits", shape: [p.deltas.count / 4, 2], values: p.logits),
        (name: "\(id)/bbox_deltas", shape: [p.deltas.count / 4, 4], values: p.deltas),
      ]
    }
  ).write(to: archive)
  let s = try CLI.run(loss + [archive.path])
  #expect(s.status == 1)
  #expect(
    s.stderr.contains(
      "\(archive.path): tensor \"2/bbox_deltas\" [\(retinaNetAnchors[2]!), 4]: first non-finite value inf at flat index 12 (anchor 3, coordinate 0)"
    ), "\(s.stderr)")

  // RPN objectness [N]: the anchor alone locates the value. FPN preset, 3 anchors per cell
  // of strides 4..64: 769 cells on 96 x 96, 512 on 64 x 96.
  let rpn = dir.appendingPathComponent("rpn")
  try FileManager.default.createDirectory(at: rpn, withIntermediateDirectories: true)
  for (id, n) in [1: 3 * 769, 2: 3 * 512] {
    var objectness = [Float](repeating: -1, count: n)
    if id == 2 { objectness[7] = -.infinity }
    try NPYBytes.file(descr: "<f4", shape: [n], bytes: objectness.withUnsafeBytes { Data($0) })
      .write(to: rpn.appendingPathComponent("\(id).cls.npy"))
    try NPYBytes.float32([Float](repeating: 0, count: 4 * n), rows: n)
      .write(to: rpn.appendingPathComponent("\(id).box.npy"))
  }
  let o = try CLI.run([
    "loss", "rpn", "--db", db, "--name", "two", "--resize", "none", "--predictions", rpn.path,
  ])
  #expect(o.status == 1)
  #expect(
    o.stderr.contains(
      "\(rpn.path)/2.cls.npy: cls_logits of image 2 [1536]: first non-finite value -inf at flat index 7 (anchor 7)"
    ),
    "\(o.stderr)")
}

/// `--non-finite propagate`: a NaN logit of image 1 (no boxes, so every anchor is a
/// negative the focal loss reads) makes image 1's, the batch's and the summary's
/// classification null, and nothing else; a NaN delta of image 1 (no positives, so the box
/// loss never reads a delta) changes nothing at all.
@Test func propagatedNonFinitePredictionReachesItsImageBatchAndSummary() throws {
  let dir = try NPYBytes.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let db = try StoreFixtures.emptyAndOneBoxStore(in: dir)
  let loss = [
    "loss", "retinanet", "--db", db, "--name", "two", "--resize", "none", "--predictions",
  ]
  let clean = dir.appendingPathComponent("clean")
  try writeFolder(finitePredictions(), to: clean)
  let expected = try CLI.run(loss + [clean.path])
  try #require(expected.status == 0, "\(expected.stderr)")

  var predictions = finitePredictions()
  predictions[1]!.logits[11] = .nan
  let nanLogit = dir.appendingPathComponent("nan-logit")
  try writeFolder(predictions, to: nanLogit)
  let r = try CLI.run(loss + [nanLogit.path, "--non-finite", "propagate"])
  #expect(r.status == 0, "\(r.stderr)")
  let lines = try jsonLines(r.stdout)
  let reference = try jsonLines(expected.stdout)
  try #require(lines.count == 4 && reference.count == 4)  // image 1, image 2, batch, summary
  for (line, ref) in zip(lines, reference) {
    let imageOne = line["image_id"] as? Int == 1
    let poisoned = imageOne || line["image_id"] == nil  // image 1, the batch, the summary
    #expect((line["classification"] is NSNull) == poisoned, "\(line)")
    if !poisoned { #expect(line["classification"] as? Double == ref["classification"] as? Double) }
    #expect(line["box"] as? Double == ref["box"] as? Double, "\(line)")
    if line["image_id"] == nil { #expect(line["cost"] is NSNull, "\(line)") }
  }

  predictions = finitePredictions()
  predictions[1]!.deltas[30] = .nan
  let nanDelta = dir.appendingPathComponent("nan-delta")
  try writeFolder(predictions, to: nanDelta)
  let strict = try CLI.run(loss + [nanDelta.path])
  #expect(strict.status == 1)
  #expect(strict.stderr.contains("bbox_deltas of image 1"), "\(strict.stderr)")
  #expect(strict.stderr.contains("at flat index 30 (anchor 7, coordinate 2)"), "\(strict.stderr)")
  let unread = try CLI.run(loss + [nanDelta.path, "--non-finite", "propagate"])
  #expect(unread.status == 0, "\(unread.stderr)")
  #expect(unread.stdout == expected.stdout)

  let record = try CLI.run(loss + [nanLogit.path, "--non-finite", "propagate", "--record", "r"])
  #expect(record.status == 64)
  #expect(record.stderr.contains("--record stores finite losses only"), "\(record.stderr)")
}
