REM deckgen's PDF export, run by LibreOffice (headless), one LibreOffice for a whole build.
REM
REM deckgen/clients.py (PdfExport) puts this module in a fresh LibreOffice profile and starts
REM LibreOffice with  macro:///Standard.DeckgenPdf.Convert("FOLDER")  at the start of the
REM build, so that LibreOffice starts while deckgen renders. Then, as each deck is written,
REM deckgen drops a job file FOLDER/job-N.txt (N = 1, 2, ...; written under another name,
REM then renamed: a job file is always whole) holding one line: the deck's URL, TAB, the
REM slides PDF's URL (or nothing), TAB, the handout PDF's URL (or nothing); URLs are ASCII
REM (percent-encoded). FOLDER/done says there are no more. For each job, one line is
REM appended to FOLDER/status.txt: "ok" or "error", TAB, N, TAB, LibreOffice's message.
REM
REM Both PDFs of a deck come from one loading of it: the slides, then the notes pages (the
REM slide with its speaker notes beneath, as text). Fonts are embedded (the standard 14 too)
REM and the PDF is tagged (reading order, for screen readers and copy-paste).

Const IDLE_LIMIT = 600000 ' ms without a new job (deckgen gone?): stop

Sub Convert(folder As String)
    Dim n As Long, idle As Long, job As String, line As String, parts, inFile As Integer
    n = 1
    idle = 0
    Do
        job = folder & "/job-" & n & ".txt"
        If FileExists(job) Then
            inFile = FreeFile
            Open job For Input As #inFile
            Line Input #inFile, line
            Close #inFile
            parts = Split(line, Chr(9))
            Report(folder, n, ConvertOne(parts(0), parts(1), parts(2)))
            n = n + 1
            idle = 0
        ElseIf FileExists(folder & "/done") Then
            Exit Do
        ElseIf idle > IDLE_LIMIT Then
            Exit Do
        Else
            Wait 20
            idle = idle + 20
        End If
    Loop
    StarDesktop.terminate()
End Sub

Sub Report(folder As String, n As Long, outcome As String)
    Dim outFile As Integer
    outFile = FreeFile
    Open folder & "/status.txt" For Append As #outFile
    Print #outFile, Left(outcome, InStr(outcome, Chr(9))) & n & Mid(outcome, InStr(outcome, Chr(9)))
    Close #outFile
End Sub

Function ConvertOne(source As String, slides As String, notes As String) As String
    Dim doc As Object
    On Error Goto Failed
    Dim load(1) As New com.sun.star.beans.PropertyValue
    load(0).Name = "Hidden"
    load(0).Value = True
    load(1).Name = "ReadOnly"
    load(1).Value = True
    doc = StarDesktop.loadComponentFromURL(source, "_blank", 0, load())
    If IsNull(doc) Then
        ConvertOne = "error" & Chr(9) & "LibreOffice could not open it"
        Exit Function
    End If
    If slides <> "" Then ExportPdf(doc, slides, False)
    If notes <> "" Then ExportPdf(doc, notes, True)
    doc.close(True)
    ConvertOne = "ok" & Chr(9)
    Exit Function
Failed:
    ConvertOne = "error" & Chr(9) & Join(Split(Join(Split(Error$, Chr(13)), " "), Chr(10)), " ")
    If Not IsNull(doc) Then doc.close(True)
End Function

Sub ExportPdf(doc As Object, target As String, notes As Boolean)
    Dim data(3) As New com.sun.star.beans.PropertyValue
    data(0).Name = "ExportNotesPages"
    data(0).Value = notes
    data(1).Name = "ExportOnlyNotesPages"
    data(1).Value = notes
    data(2).Name = "EmbedStandardFonts"
    data(2).Value = True
    data(3).Name = "UseTaggedPDF"
    data(3).Value = True
    Dim args(1) As New com.sun.star.beans.PropertyValue
    args(0).Name = "FilterName"
    args(0).Value = "impress_pdf_Export"
    args(1).Name = "FilterData"
    args(1).Value = data()
    doc.storeToURL(target, args())
End Sub
