import DetTestSupport
import Foundation

/// Minimal NPY v1.0 float32 writer and reader for the `iou` / `encode` / `decode` tests,
/// written from the format spec so the tests do not depend on detkit's own NPY code.
enum TinyNPY {
  static func write(_ values: [Float], shape: [Int], to path: String) throws {
    let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var data = Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0])
    data += Data([UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
    data += Data(header.utf8)
    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data += Data($0) } }
    try data.write(to: URL(fileURLWithPath: path))
  }

  /// `(shape text as in the header, values)`.
  static func read(_ path: String) throws -> (shape: String, values: [Float]) {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let headerLength = Int(data[8]) | Int(data[9]) << 8
    let header = String(decoding: data[10..<10 + headerLength], as: UTF8.self)
    let shape = header.components(separatedBy: "'shape': ")[1].components(separatedBy: ")")[0] + ")"
    let body = data.subdata(in: 10 + headerLength..<data.count)
    let values = (0..<body.count / 4).map { i in
      Float(
        bitPattern: body.withUnsafeBytes {
          $0.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
        })
    }
    return (shape, values)
  }

  static func temporaryPath(_ name: String) -> String {
    TestTemporaryRoot.url.appendingPathComponent("detkit-\(name)-\(UUID()).npy")
      .path
  }
}
