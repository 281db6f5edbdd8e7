"""Pure chart functions, DataFrame (or plain data) -> plotly Figure, one module per
domain. No database access. Colours are colour-blind safe (Okabe-Ito) and every chart
is shown with a table alternative by the page."""
