export { registerEmployeeImportRoutes } from './employee-import.routes.ts';
export { employeeImportKind } from './employee-import.service.ts';
export { createEmployee, directReportsOf, employeeOfUser, findEmployee, searchEmployees } from './employee.service.ts';
export { registerEmployeeRoutes } from './employee.routes.ts';
