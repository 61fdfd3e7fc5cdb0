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
