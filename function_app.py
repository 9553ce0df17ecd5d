"""The ftgate Azure Functions app (Python v2 programming model).

Triggers stay thin: read the binding, call the library in ``shared/``, write the
verdict. No trigger is registered yet: the screening library is usable from the
``ftgate`` command today, and the blob trigger that calls it on upload comes next.
"""

import azure.functions as func

app = func.FunctionApp()
