"""Service reports and service credits (docs/reports.md), as pure functions of what slawatch
publishes: :mod:`.outcomes` (one outcome per clock tier, R9), :mod:`.model` (the report),
:mod:`.explain` (why a breach's deadline), :mod:`.sources` (from an events file or the sink),
:mod:`.render` (CSV and the HTML page), :mod:`.live` (the monthly ``sla.compliance``)."""
