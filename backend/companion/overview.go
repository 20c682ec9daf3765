package companion

import "context"

// AccountStatus is the sidebar's status dot.
type AccountStatus string

const (
	AccountValid       AccountStatus = "valid"
	AccountExpiring    AccountStatus = "expiring"
	AccountNeedsSignIn AccountStatus = "needs_sign_in"
	// AccountUnreadable: its saved sign-in cannot be unsealed; sign out.
	AccountUnreadable AccountStatus = "unreadable"
)

// Account is one person signed in at one clinic, as the UI shows it. It never
// carries a token: tokens stay on the Go side.
type Account struct {
	ID           string        `json:"id"`
	Environment  string        `json:"environment"`
	ClinicID     string        `json:"clinicId"`
	ClinicName   string        `json:"clinicName"`
	UserName     string        `json:"userName"`
	Role         string        `json:"role"`
	Status       AccountStatus `json:"status"`
	StatusReason string        `json:"statusReason"`
	Label        string        `json:"label"`
	IsDefault    bool          `json:"isDefault"`
}

// Overview is everything the first screen needs in one call.
type Overview struct {
	AppVersion  string    `json:"appVersion"`
	Environment string    `json:"environment"`
	DataDir     string    `json:"dataDir"`
	Accounts    []Account `json:"accounts"`
	// KeyStorage is "os-keyring" or "key-file"; KeyStorageNote says why
	// the file, for the warning the sidebar shows.
	KeyStorage      string `json:"keyStorage"`
	KeyStorageNote  string `json:"keyStorageNote"`
	PendingSignOuts int    `json:"pendingSignOuts"`
}

// Overview reports what the app can act as: the accounts in the vault (never
// nil: the UI relies on an array). After a failed start it tries the data
// folder and the vault again first. It needs no network.
func (s *Service) Overview(ctx context.Context) (Overview, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return Overview{}, errShutDown
	}
	if s.startErr != nil {
		if s.startErr = s.prepareLocked(ctx); s.startErr == nil {
			s.log.InfoContext(ctx, "data folder ready on retry", "data_dir", s.dataDir)
		}
	}
	startErr, dataDir := s.startErr, s.dataDir
	s.mu.Unlock()
	if startErr != nil {
		return Overview{}, startErr
	}
	report, err := s.Accounts(ctx)
	if err != nil {
		return Overview{}, err
	}
	ov := Overview{AppVersion: Version(), Environment: s.currentEnvironment(ctx), DataDir: dataDir, Accounts: []Account{},
		KeyStorage: report.KeyStorage, KeyStorageNote: report.KeyStorageNote, PendingSignOuts: report.PendingSignOuts}
	for _, a := range report.Accounts {
		ov.Accounts = append(ov.Accounts, uiAccount(a))
	}
	return ov, nil
}

// uiAccount is an account as the sidebar shows it.
func uiAccount(a AccountInfo) Account {
	return Account{
		ID: a.ID, Environment: a.Env, ClinicID: a.ClinicID, ClinicName: a.ClinicName,
		UserName: firstSet(a.UserName, a.UserType), Role: a.UserType, Status: uiStatus(a.Status),
		StatusReason: a.StatusReason, Label: a.Label, IsDefault: a.Default,
	}
}

// uiStatus is the sidebar's dot: an expired access token is not a problem
// (the next use refreshes it), so it shows like one about to expire.
func uiStatus(status string) AccountStatus {
	switch status {
	case StatusNeedsSignIn:
		return AccountNeedsSignIn
	case StatusUnreadable:
		return AccountUnreadable
	case StatusExpiring, StatusExpired:
		return AccountExpiring
	}
	return AccountValid
}

// OverviewAccount is one account as the sidebar shows it.
func (s *Service) OverviewAccount(ctx context.Context, id string) (Account, error) {
	a, err := s.account(ctx, id)
	if err != nil {
		return Account{}, err
	}
	return uiAccount(a), nil
}
