import Testing

@testable import DetLoss

@Test func conventionsDecodeLabels() throws {
  #expect(try BackgroundConvention.torchvision.positiveColumn(of: 3, classCount: 5, row: 0) == 3)
  #expect(try BackgroundConvention.torchvision.positiveColumn(of: -1, classCount: 5, row: 0) == -1)
  #expect(try BackgroundConvention.torchvision.positiveColumn(of: -2, classCount: 5, row: 0) == nil)
  #expect(throws: LossError.self) {
    try BackgroundConvention.torchvision.positiveColumn(of: 5, classCount: 5, row: 0)
  }
  #expect(throws: LossError.self) {
    try BackgroundConvention.torchvision.positiveColumn(of: -3, classCount: 5, row: 0)
  }
  for convention in [BackgroundConvention.detectron2, .mmdetection] {
    #expect(try convention.positiveColumn(of: 5, classCount: 5, row: 0) == -1)
    #expect(try convention.positiveColumn(of: -1, classCount: 5, row: 0) == nil)
    #expect(try convention.positiveColumn(of: 0, classCount: 5, row: 0) == 0)
    #expect(throws: LossError.self) { try convention.positiveColumn(of: 6, classCount: 5, row: 7) }
  }
}

/// countedLabels counts the labels that are not ignored and rejects, naming its index,
/// the first label outside each convention's range, down to the extremes of `Int`.
@Test func countedLabelsChecksEveryConventionsRange() throws {
  let cases: [(BackgroundConvention, valid: [Int], counted: Int, invalid: [Int])] = [
    (.torchvision, [-2, -1, 0, 4, -2], 3, [-3, 5, Int.min, Int.max]),
    (.detectron2, [-7, -1, 0, 4, 5, Int.min], 3, [6, Int.max]),
    (.mmdetection, [Int.min, 5, 2], 2, [6, Int.max]),
  ]
  for (convention, valid, counted, invalid) in cases {
    let count = try valid.withUnsafeBufferPointer {
      try convention.countedLabels($0, classCount: 5)
    }
    #expect(count == counted, "\(convention)")
    for label in invalid {
      #expect {
        try [0, label, 0].withUnsafeBufferPointer {
          try convention.countedLabels($0, classCount: 5)
        }
      } throws: { error in
        (error as? LossError)?.code == .invalidLabel && "\(error)".hasPrefix("labels[1]:")
      }
    }
  }
}

/// The C kernels' encoding of validated labels: the class, -1 for background, Int32.min for
/// ignored.
@Test func kernelColumnsEncodeEachConvention() {
  let cases: [(BackgroundConvention, labels: [Int], columns: [Int32])] = [
    (.torchvision, [-2, -1, 0, 4], [.min, -1, 0, 4]),
    (.detectron2, [-7, -1, 0, 4, 5], [.min, .min, 0, 4, -1]),
    (.mmdetection, [Int.min, 5, 3], [.min, -1, 3]),
  ]
  for (convention, labels, expected) in cases {
    var columns = [Int32](repeating: 7, count: labels.count)
    labels.withUnsafeBufferPointer { l in
      columns.withUnsafeMutableBufferPointer {
        convention.kernelColumns(ofValidated: l, classCount: 5, into: $0)
      }
    }
    #expect(columns == expected, "\(convention)")
  }
}
